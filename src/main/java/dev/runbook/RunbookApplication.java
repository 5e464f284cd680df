package dev.runbook;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Runbook Platform: production operations for Node.js apps as BPMN processes on an embedded Camunda 7 engine. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class RunbookApplication {

    public static void main(String[] args) {
        SpringApplication.run(RunbookApplication.class, args);
    }
}

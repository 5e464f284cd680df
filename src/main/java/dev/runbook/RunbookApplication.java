package dev.runbook;

import dev.runbook.host.AgentConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Runbook Platform: production operations for Node.js apps as BPMN processes on an embedded Camunda 7 engine. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class RunbookApplication {

    /**
     * Starts the platform; {@code cli <command> ...} runs the command line client instead (no Spring), and the profile
     * {@code agent} a host's agent (no engine, database or web server: {@link AgentConfiguration}).
     */
    public static void main(String[] args) {
        if (args.length > 0 && "cli".equals(args[0])) {
            dev.runbook.cli.RunbookCli.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        if (environment.matchesProfiles(AgentConfiguration.PROFILE)) {
            AgentConfiguration.run(args);
            return;
        }
        SpringApplication.run(RunbookApplication.class, args);
    }
}

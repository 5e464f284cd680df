package dev.runbook.host;

import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Redactor;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Profile;

/**
 * The agent mode of the jar ({@value #PROFILE} profile): no engine, no database, no web server; only the
 * configuration of the targets this host serves, the tool clients (git, npm, PM2, health checks, release
 * directories), the steps (and the monitor's check of this host), and the {@link HostAgent}. Beans are made on first use, so a step that needs the platform
 * (its engine or database) is refused on a host with a clear reason rather than stopping the agent from starting.
 */
@Configuration(proxyBeanMethods = false)
@Profile(AgentConfiguration.PROFILE)
@EnableConfigurationProperties({RunbookProperties.class, AgentProperties.class})
@ImportAutoConfiguration({JacksonAutoConfiguration.class, ValidationAutoConfiguration.class})
@ComponentScan(
        basePackages = {
            "dev.runbook.config",
            "dev.runbook.exec",
            "dev.runbook.git",
            "dev.runbook.npm",
            "dev.runbook.pm2",
            "dev.runbook.health",
            "dev.runbook.release"
        })
@ComponentScan(
        basePackages = "dev.runbook.monitor",
        useDefaultFilters = false,
        includeFilters =
                @ComponentScan.Filter(
                        type = FilterType.REGEX,
                        pattern = "dev\\.runbook\\.monitor\\.(HealthReporter|SystemProbe|MonitorCheckDelegate)"))
public class AgentConfiguration {

    public static final String PROFILE = "agent";

    /** Starts the agent; it runs until the JVM is stopped. */
    public static ConfigurableApplicationContext run(String... args) {
        return new SpringApplicationBuilder(AgentConfiguration.class)
                .web(WebApplicationType.NONE)
                .profiles(PROFILE)
                .lazyInitialization(true)
                .properties("spring.main.keep-alive=true")
                .run(args);
    }

    @Bean
    HostSteps hostSteps(ListableBeanFactory beans, Redactor redactor) {
        return new HostSteps(beans, redactor);
    }

    @Bean
    HostAgent hostAgent(AgentProperties properties, HostSteps steps, DataDir dataDir, Redactor redactor) {
        return new HostAgent(properties, steps, dataDir, redactor);
    }
}

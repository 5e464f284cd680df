package dev.runbook.host;

import dev.runbook.exec.SecretSource;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Profile;
import org.springframework.validation.annotation.Validated;

/**
 * The agent mode's settings ({@code runbook.agent.*}; the user and password usually come from the environment as
 * {@code RUNBOOK_AGENT_USER} and {@code RUNBOOK_AGENT_PASSWORD}).
 *
 * @param platformUrl the platform's address (its {@code /engine-rest} is called)
 * @param host        the host this agent runs the steps of ({@code runbook.hosts.<host>} on the platform)
 * @param user        the platform user of that host's agent
 * @param password    its password: redacted wherever the agent writes
 * @param lock        how long a fetched step stays locked to this agent; extended every third of it while it runs,
 *                    so a step of an agent that died is fetched again (by its restarted agent) this long after
 * @param poll        how long one fetch waits for a step (long polling)
 */
@Validated
@ConfigurationProperties("runbook.agent")
@Profile(AgentConfiguration.PROFILE) // the platform's own configuration scan skips it
public record AgentProperties(
        @NotNull URI platformUrl,
        @NotBlank String host,
        @NotBlank String user,
        @NotBlank String password,
        @DefaultValue("PT30S") Duration lock,
        @DefaultValue("PT20S") Duration poll)
        implements SecretSource {

    @Override
    public Collection<String> secrets() {
        return password == null ? List.of() : List.of(password);
    }

    @Override
    public String toString() {
        return "AgentProperties[platformUrl=" + platformUrl + ", host=" + host + ", user=" + user + "]";
    }
}

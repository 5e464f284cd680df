package dev.runbook.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The hosts part of the {@code runbook.*} configuration: {@code runbook.hosts.<host>.agent-user}, the platform user
 * (group {@code agents}) the agent of that host signs in as, and {@code silent-after}. Host names are DNS labels ({@code web-1}); {@code local}
 * is the platform's own machine and has no agent. Bound next to the rest (RunbookProperties ignores these keys).
 */
@Validated
@ConfigurationProperties("runbook")
public record HostsProperties(Map<String, @Valid Host> hosts) {

    /** The name of the platform's own machine, which runs its steps in process. */
    public static final String LOCAL = "local";

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public HostsProperties {
        hosts = hosts == null ? Map.of() : RunbookProperties.ordered(hosts);
        for (Map.Entry<String, Host> host : hosts.entrySet()) {
            if (!NAME.matcher(host.getKey()).matches() || LOCAL.equals(host.getKey())) {
                throw new IllegalArgumentException("runbook.hosts." + host.getKey()
                        + ": a host name is a DNS label (a-z, 0-9, '-', at most 63) and not '" + LOCAL + "'");
            }
        }
        long users = hosts.values().stream().map(Host::agentUser).distinct().count();
        if (users != hosts.size()) {
            throw new IllegalArgumentException(
                    "runbook.hosts: each host needs its own agent-user (one agent's credentials are one host's)");
        }
    }

    /**
     * One remote host.
     *
     * @param agentUser   the user id its agent signs in with (a member of {@code agents})
     * @param silentAfter how long its agent may go without calling the platform before the host is DEGRADED (an idle
     *                    agent's long-polling fetch calls at least every 30 s)
     */
    public record Host(
            @NotBlank String agentUser,
            @DefaultValue("PT2M") Duration silentAfter) {

        public Host {
            silentAfter = silentAfter == null ? Duration.ofMinutes(2) : silentAfter;
        }
    }

    /** The host whose agent signs in as {@code userId}; empty for any other user. */
    public Optional<String> hostOfAgent(String userId) {
        return hosts.entrySet().stream()
                .filter(host -> host.getValue().agentUser().equals(userId))
                .map(Map.Entry::getKey)
                .findFirst();
    }
}

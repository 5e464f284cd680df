package dev.runbook.host;

import dev.runbook.audit.Refusal;
import dev.runbook.config.HostsProperties;
import dev.runbook.health.PlatformHealthConfiguration;
import dev.runbook.process.HostBound;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.engine.ExternalTaskService;
import org.camunda.bpm.engine.externaltask.ExternalTask;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * When each remote host's agent last called the platform (table {@code host_contact}, shared by the nodes), and the
 * hosts' health from it in {@code /actuator/health} ({@code hosts}): UP while the agent calls, DEGRADED once it has
 * been silent longer than {@code runbook.hosts.<host>.silent-after}, UNKNOWN before its first call; with its last
 * contact, address, client and the steps it holds now (its topic's locked external tasks).
 */
@Configuration
public class HostContacts {

    /** Longest client description kept (an agent's {@code User-Agent}). */
    static final int CLIENT_MAX = 200;

    private final JdbcTemplate jdbc;
    private final HostsProperties hosts;
    private final ExternalTaskService externalTasks;

    HostContacts(JdbcTemplate jdbc, HostsProperties hosts, ExternalTaskService externalTasks) {
        this.jdbc = jdbc;
        this.hosts = hosts;
        this.externalTasks = externalTasks;
    }

    /** One agent's last call. */
    public record Contact(String agentUser, Instant at, String address, String client) {}

    /** Records a call of {@code host}'s agent now (one row per host, written on every call). */
    public void record(String host, String agentUser, String address, String client) {
        Timestamp now = Timestamp.from(Instant.now());
        String safeClient = client == null
                ? null
                : client.replaceAll("\\p{Cntrl}", " ").substring(0, Math.min(client.length(), CLIENT_MAX));
        String update =
                "UPDATE host_contact SET agent_user = ?, contacted_at = ?, address = ?, client = ? WHERE host = ?";
        if (jdbc.update(update, agentUser, now, address, safeClient, host) == 0) {
            try {
                jdbc.update(
                        "INSERT INTO host_contact (host, agent_user, contacted_at, address, client) VALUES (?, ?, ?, ?, ?)",
                        host,
                        agentUser,
                        now,
                        address,
                        safeClient);
            } catch (DuplicateKeyException anotherNodeFirst) {
                jdbc.update(update, agentUser, now, address, safeClient, host);
            }
        }
    }

    /** The last call of {@code host}'s agent, if it ever called. */
    public Optional<Contact> last(String host) {
        return jdbc
                .query(
                        "SELECT agent_user, contacted_at, address, client FROM host_contact WHERE host = ?",
                        (rs, n) -> new Contact(
                                rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4)),
                        host)
                .stream()
                .findFirst();
    }

    /**
     * Refuses to start a run that changes {@code target} on {@code host} while the host cannot take its steps: its
     * agent has not called yet, or has been silent for longer than its {@code silent-after}.
     *
     * @throws HostUnavailableException naming the host and why
     */
    public void requireAvailable(String host, String target) {
        HostsProperties.Host spec = hosts.hosts().get(host);
        if (spec == null) {
            return;
        }
        Optional<Contact> contact = last(host);
        if (!isSilent(contact, spec)) {
            return;
        }
        throw new HostUnavailableException(
                contact.isEmpty()
                        ? "host " + host + " of target " + target
                                + " is UNKNOWN: its agent has not called the platform yet; start the agent on " + host
                                + " (user " + spec.agentUser() + ") and try again"
                        : "host " + host + " of target " + target + " is DEGRADED: its agent last called at "
                                + contact.get().at() + ", longer than " + spec.silentAfter()
                                + " ago; nothing was started: "
                                + "check the agent on " + host + " and try again");
    }

    /**
     * Whether a host cannot take steps: its agent never called (UNKNOWN), or not within its {@code silent-after}
     * (DEGRADED). The one rule of the health entry and of the start refusal.
     */
    private static boolean isSilent(Optional<Contact> contact, HostsProperties.Host spec) {
        return contact.isEmpty()
                || Duration.between(contact.get().at(), Instant.now()).compareTo(spec.silentAfter()) > 0;
    }

    /** A run was not started: a host of its target cannot take its steps. */
    public static class HostUnavailableException extends RuntimeException implements Refusal {
        public HostUnavailableException(String message) {
            super(message);
        }
    }

    /** The health of one configured host ({@code /actuator/health}'s entry; the target view shows it too). */
    public Health health(String host) {
        HostsProperties.Host spec = hosts.hosts().get(host);
        Optional<Contact> contact = last(host);
        List<String> running = held(host).stream().map(HostContacts::describe).toList();
        Health.Builder health = contact.isEmpty()
                ? Health.unknown().withDetail("reason", "its agent has not called yet")
                : isSilent(contact, spec)
                        ? Health.status(PlatformHealthConfiguration.DEGRADED)
                                .withDetail(
                                        "reason",
                                        "its agent has been silent for longer than " + spec.silentAfter()
                                                + " (runbook.hosts." + host + ".silent-after)")
                        : Health.up();
        health.withDetail("agentUser", spec.agentUser()).withDetail("runningSteps", running);
        contact.ifPresent(c -> health.withDetail("lastContact", c.at().toString())
                .withDetail("address", String.valueOf(c.address()))
                .withDetail("client", String.valueOf(c.client())));
        return health.build();
    }

    /**
     * The steps of runs other than {@code runId} that {@code host}'s worker holds now (its topic's locked external
     * tasks), while it can take steps: the in-process worker of {@link HostBound#LOCAL}, or an agent that is UP. An agent
     * that fell silent holds its locks until they expire: it is gone, not busy (empty).
     */
    public List<String> busyWith(String host, String runId) {
        if (!HostBound.LOCAL.equals(host)
                && (!hosts.hosts().containsKey(host)
                        || isSilent(last(host), hosts.hosts().get(host)))) {
            return List.of();
        }
        return held(host).stream()
                .filter(task -> !task.getProcessInstanceId().equals(runId))
                .map(HostContacts::describe)
                .toList();
    }

    /** The steps a host's worker holds now: its topic's locked external tasks. */
    private List<ExternalTask> held(String host) {
        return externalTasks
                .createExternalTaskQuery()
                .topicName(HostBound.topic(host))
                .locked()
                .list();
    }

    private static String describe(ExternalTask task) {
        return task.getActivityId() + " of run " + task.getProcessInstanceId();
    }

    @Bean
    CompositeHealthContributor hostsHealthContributor() {
        Map<String, HealthContributor> contributors = new LinkedHashMap<>();
        hosts.hosts().keySet().forEach(host -> contributors.put(host, (HealthIndicator) () -> health(host)));
        return CompositeHealthContributor.fromMap(contributors);
    }
}

package dev.runbook.health;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandRunner;
import dev.runbook.pm2.Pm2Client;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The platform's own health in {@code /actuator/health}: {@code tools} (one contributor per external tool: found or
 * not, its version) and {@code targets} (one per target: work dir present, PM2 reachable). Details show only to an
 * authorized user ({@code management.endpoint.health.show-details} and {@code .roles}).
 */
@Configuration
public class PlatformHealthConfiguration {

    /**
     * Status of a tool or target in trouble. Not in the health endpoint's status order, so it shows in the details
     * but does not turn the platform's own status DOWN (a load balancer would take a healthy node out).
     */
    public static final org.springframework.boot.actuate.health.Status DEGRADED =
            new org.springframework.boot.actuate.health.Status("DEGRADED", "needs an operator; see the details");

    /** How long a tool's {@code --version} answer is reused: tools rarely change. */
    static final Duration TOOL_CACHE = Duration.ofMinutes(1);
    /** How long a target's {@code pm2 jlist} answer is reused: one PM2 CLI call per target per 10 s at most. */
    static final Duration TARGET_CACHE = Duration.ofSeconds(10);

    @Bean
    CompositeHealthContributor toolsHealthContributor(RunbookProperties properties, CommandRunner runner) {
        Tools tools = properties.tools();
        boolean mongo = usesDatabase(properties, "mongodb");
        boolean postgres = usesDatabase(properties, "postgresql");
        Map<String, ToolHealthIndicator> probes = new LinkedHashMap<>();
        probes.put("git", new ToolHealthIndicator(tools.git(), true, runner));
        probes.put("npm", new ToolHealthIndicator(tools.npm(), true, runner));
        probes.put("pm2", new ToolHealthIndicator(tools.pm2(), true, runner));
        probes.put("mongodump", new ToolHealthIndicator(tools.mongodump(), mongo, runner));
        probes.put("mongorestore", new ToolHealthIndicator(tools.mongorestore(), mongo, runner));
        probes.put("pg_dump", new ToolHealthIndicator(tools.pgDump(), postgres, runner));
        probes.put("pg_restore", new ToolHealthIndicator(tools.pgRestore(), postgres, runner));
        Map<String, HealthContributor> contributors = new LinkedHashMap<>();
        probes.forEach(
                (name, probe) -> contributors.put(name, new CachedHealthIndicator("tool-" + name, probe, TOOL_CACHE)));
        return CompositeHealthContributor.fromMap(contributors);
    }

    @Bean
    CompositeHealthContributor targetsHealthContributor(TargetRegistry targets, Pm2Client pm2) {
        Map<String, HealthContributor> contributors = new LinkedHashMap<>();
        targets.all()
                .forEach((name, target) -> contributors.put(
                        name,
                        new CachedHealthIndicator(
                                "target-" + name, new TargetHealthIndicator(target, pm2), TARGET_CACHE)));
        return CompositeHealthContributor.fromMap(contributors);
    }

    private static boolean usesDatabase(RunbookProperties properties, String kind) {
        return properties.targets().values().stream()
                .anyMatch(t -> t.database() != null
                        && kind.equalsIgnoreCase(t.database().kind()));
    }
}

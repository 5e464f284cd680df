package dev.runbook.health;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2Process;
import java.nio.file.Files;
import java.util.List;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** One target: its work dir exists and PM2 answers {@code pm2 jlist} there; UP with the apps PM2 runs, else DEGRADED
 * (shown in the details; a target in trouble does not make the platform itself unhealthy for a load balancer). */
class TargetHealthIndicator implements HealthIndicator {

    private final Target target;
    private final Pm2Client pm2;

    TargetHealthIndicator(Target target, Pm2Client pm2) {
        this.target = target;
        this.pm2 = pm2;
    }

    @Override
    public Health health() {
        boolean root = Files.isDirectory(target.root());
        Health.Builder health = Health.up()
                .withDetail("root", target.root().toString())
                .withDetail("rootPresent", root)
                .withDetail("currentRelease", root ? target.layout().currentId().orElse("none") : "none");
        if (!root) {
            return health.status(PlatformHealthConfiguration.DEGRADED)
                    .withDetail("pm2Reachable", false)
                    .build();
        }
        try {
            List<Pm2Process> apps = pm2.list(target.root(), StepLog.NONE);
            List<String> names =
                    target.components().values().stream().map(c -> c.pm2App()).toList();
            return health.withDetail("pm2Reachable", true)
                    .withDetail(
                            "appsOnline",
                            apps.stream()
                                    .filter(p -> names.contains(p.name()) && p.online())
                                    .map(Pm2Process::name)
                                    .toList())
                    .build();
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            return health.status(PlatformHealthConfiguration.DEGRADED)
                    .withDetail("pm2Reachable", false)
                    .withDetail("error", message.lines().findFirst().orElse(message))
                    .build();
        }
    }
}

package dev.runbook.monitor;

import dev.runbook.config.MonitorPolicy.Thresholds;
import dev.runbook.monitor.HealthReport.ComponentReport;
import dev.runbook.monitor.HealthReport.DiskReport;
import dev.runbook.monitor.HealthReport.SystemReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges the parts of a health check against a target's thresholds: every finding beyond a limit becomes one reason
 * line; no reason means {@code HEALTHY}.
 */
final class Verdict {

    private Verdict() {}

    /**
     * The reasons the target is unhealthy.
     *
     * @param pm2Error why PM2 could not be asked (null when it answered)
     */
    static List<String> reasons(
            List<ComponentReport> components,
            SystemReport system,
            Thresholds limits,
            Duration restartWindow,
            String pm2Error) {
        List<String> reasons = new ArrayList<>();
        if (pm2Error != null) {
            reasons.add("pm2 could not be asked for its process list: " + pm2Error);
        }
        for (ComponentReport c : components) {
            String prefix = c.component() + ": ";
            if (pm2Error == null && !"online".equals(c.app().status())) {
                reasons.add(prefix + "pm2 app '" + c.app().name() + "' is "
                        + c.app().status().replace('-', ' '));
            }
            if (c.app().restartsDuringCheck() >= limits.restarts()) {
                reasons.add(prefix + "pm2 app '" + c.app().name() + "' restarted "
                        + c.app().restartsDuringCheck() + " time(s) within " + restartWindow.toMillis()
                        + " ms (restarts climbing)");
            }
            if (!c.port().listening()) {
                reasons.add(prefix + "nothing listens on " + c.port().host() + ":"
                        + c.port().port());
            }
            if (c.http().status() == null) {
                reasons.add(prefix + "GET " + c.http().url() + " got no answer: "
                        + c.http().error());
            } else if (c.http().status() < 200 || c.http().status() >= 300) {
                reasons.add(prefix + "GET " + c.http().url() + " answered "
                        + c.http().status());
            } else if (c.http().latencyMs() > limits.slowResponse().toMillis()) {
                reasons.add(
                        prefix + "GET " + c.http().url() + " took " + c.http().latencyMs() + " ms (limit "
                                + limits.slowResponse().toMillis() + " ms)");
            }
            if (c.errorLog().matchingLines() >= limits.errors()) {
                reasons.add(prefix + c.errorLog().matchingLines() + " error-log line(s) in the last "
                        + c.errorLog().window() + " (limit " + limits.errors() + ")");
            }
        }
        for (DiskReport disk : system.disks()) {
            if (disk.usedPercent() > limits.diskPercent()) {
                reasons.add("disk of " + disk.name() + " (" + disk.path() + ") is " + disk.usedPercent()
                        + " % used (limit " + limits.diskPercent() + " %)");
            }
        }
        if (system.memory().usedPercent() > limits.memoryPercent()) {
            reasons.add(
                    "memory is " + system.memory().usedPercent() + " % used (limit " + limits.memoryPercent() + " %)");
        }
        if (system.cpuPercent() > limits.cpuPercent()) {
            reasons.add("CPU is " + system.cpuPercent() + " % busy (limit " + limits.cpuPercent() + " %)");
        }
        return reasons;
    }
}

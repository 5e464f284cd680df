package dev.runbook.health;

import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Process;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The line a health check writes about how long an app went without an answer after its reload or restart, as the
 * platform's own health poll saw it. A fork-mode app (or a cluster-mode app with one instance) is stopped and started
 * by a reload: the gap is counted from when the reload began to the first 2xx, an upper bound (the old process
 * answered for part of it). A cluster-mode app with two or more instances is reloaded worker by worker: no failed poll
 * is "no gap seen"; otherwise the gap runs from the first failed poll to the first 2xx. A restart ({@code pm2 delete} +
 * {@code pm2 start}) has a gap in every mode, counted like a fork-mode reload.
 */
final class ReloadGap {

    private ReloadGap() {}

    /**
     * @param component the component's name
     * @param baseline  what the reload step recorded
     * @param answer    how the health poll ended
     * @param instances the app's instances as PM2 listed them during the check
     */
    static String describe(
            String component, Pm2Baseline baseline, HealthChecker.Answer answer, List<Pm2Process> instances) {
        String upTo = seconds(baseline.reloadedAt(), answer.answeredAt());
        if (baseline.fresh()) {
            return component + ": no answer for up to " + upTo + " after the restart (from the restart to the first "
                    + "2xx health poll; a restart deletes and starts the app, a gap in every PM2 mode)";
        }
        boolean rolling = instances.size() >= 2 && instances.stream().allMatch(Pm2Process::clusterMode);
        if (!rolling) {
            String mode = instances.stream().anyMatch(Pm2Process::clusterMode)
                    ? "cluster mode with one instance"
                    : "fork mode";
            return component + ": no answer for up to " + upTo + " after the reload (from the reload to the first 2xx "
                    + "health poll; " + mode + ": one process, stopped and started; cluster mode with 2+ instances "
                    + "reloads without a gap)";
        }
        if (answer.failedPolls() == 0) {
            return component + ": no gap seen: every health poll after the reload answered 2xx (cluster mode, "
                    + instances.size() + " instances reloaded one by one)";
        }
        return component + ": no answer for " + seconds(answer.firstFailedAt(), answer.answeredAt())
                + " after the reload (from the first failed health poll to the first 2xx; cluster mode, "
                + instances.size() + " instances)";
    }

    private static String seconds(Instant from, Instant to) {
        Duration gap = Duration.between(from, to);
        return String.format(Locale.ROOT, "%.2f s", Math.max(0, gap.toMillis()) / 1000.0);
    }
}

package dev.runbook.health;

import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Process;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The line a health check writes about how long an app went without an answer after its reload or restart, as the
 * platform's own polls saw it: the reload step's poll of the health URL every 100 ms ({@link Pm2Baseline.Poll}) and
 * the health check's own attempts. The gap runs from the first poll without a 2xx (no answer, or an error status such
 * as the 503 of a failed release before the undo's reload) to the next 2xx; when the reload
 * step's poll saw no 2xx again before it ended, to the health check's first 2xx ("up to": the check polls less
 * often). No failed poll at all is "no gap seen". Without the reload step's poll (an old run, or the in-place
 * restart of an adoption's undo) the bound is from the reload's start to the health check's first 2xx. An app that
 * gave no 2xx before the reload (a first start, or the failed release the undo replaces) has no gap to measure: the
 * line says when its first 2xx came. The line also
 * says what the PM2 mode gives: a fork-mode app (or one instance) is stopped and started by a reload, a gap by nature;
 * a cluster-mode app with two or more instances is reloaded worker by worker; a restart (delete + start) has a gap in
 * every mode.
 */
final class ReloadGap {

    private ReloadGap() {}

    /**
     * @param component the component's name
     * @param app       its PM2 app name
     * @param baseline  what the reload step recorded
     * @param answer    how the health check's poll ended
     * @param instances the app's instances as PM2 listed them during the check
     */
    static String describe(
            String component,
            String app,
            Pm2Baseline baseline,
            HealthChecker.Answer answer,
            List<Pm2Process> instances) {
        String what = baseline.fresh() ? "restart" : "reload";
        Pm2Baseline.Poll poll = baseline.polls().get(app);
        if (poll != null && !poll.answeredBefore() && poll.failedAt() != null) {
            Instant first = poll.answeredAt() != null ? poll.answeredAt() : answer.answeredAt();
            return component + ": first 2xx answer " + seconds(poll.failedAt(), first) + " after the " + what
                    + " began (no 2xx before it: a first start, or a failed release being replaced)";
        }
        return component + ": " + gap(baseline, app, answer, what) + "; " + mode(baseline, instances) + ")";
    }

    private static String gap(Pm2Baseline baseline, String app, HealthChecker.Answer answer, String what) {
        String during = " during the " + what;
        Pm2Baseline.Poll poll = baseline.polls().get(app);
        if (poll == null) {
            return "no 2xx answer for up to " + seconds(baseline.reloadedAt(), answer.answeredAt()) + during
                    + " (from its start to the health check's first 2xx";
        }
        if (poll.failedAt() != null && poll.answeredAt() != null) {
            return "no 2xx answer for " + seconds(poll.failedAt(), poll.answeredAt()) + during
                    + " (from the first health poll without a 2xx to the next 2xx, polled every 100 ms";
        }
        if (poll.failedAt() != null) {
            return "no 2xx answer for up to " + seconds(poll.failedAt(), answer.answeredAt()) + during
                    + " (from the first health poll without a 2xx to the health check's first 2xx";
        }
        if (answer.failedPolls() > 0) {
            return "no 2xx answer for " + seconds(answer.firstFailedAt(), answer.answeredAt()) + " after the " + what
                    + " (from the health check's first poll without a 2xx to its first 2xx";
        }
        return "no gap seen" + during + " (every health poll answered 2xx, polled every 100 ms";
    }

    private static String mode(Pm2Baseline baseline, List<Pm2Process> instances) {
        if (baseline.fresh()) {
            return "a restart deletes and starts the app: a gap in every PM2 mode";
        }
        if (instances.size() >= 2 && instances.stream().allMatch(Pm2Process::clusterMode)) {
            return "cluster mode, " + instances.size() + " instances reloaded one by one";
        }
        String mode =
                instances.stream().anyMatch(Pm2Process::clusterMode) ? "cluster mode with one instance" : "fork mode";
        return mode + ": one process, stopped and started; cluster mode with 2+ instances reloads without a gap";
    }

    private static String seconds(Instant from, Instant to) {
        Duration gap = Duration.between(from, to);
        return String.format(Locale.ROOT, "%.2f s", Math.max(0, gap.toMillis()) / 1000.0);
    }
}

package dev.runbook.health;

import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2ErrorTail;
import dev.runbook.pm2.Pm2Process;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PM2 side of a health check: the apps of the checked components, read with one {@code pm2 jlist} per health
 * attempt. PM2 restarts a crashed app at once, so its health URL may answer nothing for every attempt while the real
 * news is in the process list: an app {@code errored} or {@code stopped}, or restarted since the reload (its
 * {@code restart_time} above the {@link Pm2Baseline} the reload step recorded), ends the check at once, with the last
 * lines of the app's error log since the reload. Without a baseline (the previous release's check after a run that
 * never reloaded) the first listing is the baseline and the check's start the time the log is read from. Between
 * listings the watch glances at the listed processes in the OS ({@link #glance}) and lists again only when one is
 * gone.
 */
final class AppWatch implements HealthChecker.Watch {

    /** Time between two glances during the stability window. */
    static final Duration GLANCE_INTERVAL = Duration.ofMillis(100);

    private final Pm2Client pm2;
    private final List<String> apps;
    private final Path dir;
    private final Instant since;
    private final Map<String, Integer> restarts;
    private final StepLog log;
    private List<Pm2Process> last = List.of();
    private List<Pm2Process> pending;
    private String crashed;

    /**
     * @param apps     the PM2 app names to watch
     * @param dir      the directory {@code pm2 jlist} runs in
     * @param baseline what the reload step recorded, if it ran
     */
    AppWatch(Pm2Client pm2, List<String> apps, Path dir, Optional<Pm2Baseline> baseline, StepLog log) {
        this.pm2 = pm2;
        this.apps = List.copyOf(apps);
        this.dir = dir;
        this.since = baseline.map(Pm2Baseline::reloadedAt).orElseGet(Instant::now);
        this.restarts = new HashMap<>(baseline.map(Pm2Baseline::restarts).orElse(Map.of()));
        this.log = log;
    }

    /**
     * A watch whose first {@link #check} uses {@code listed} (what {@code pm2 jlist} showed of the apps a moment ago,
     * right after their reload) instead of listing again.
     */
    AppWatch(Pm2Client pm2, List<String> apps, Path dir, Pm2Baseline baseline, List<Pm2Process> listed, StepLog log) {
        this(pm2, apps, dir, Optional.of(baseline), log);
        this.pending = List.copyOf(listed);
    }

    @Override
    public void check(String during) {
        last = pending != null ? pending : list();
        pending = null;
        Map<String, Integer> now = Pm2Baseline.restartsByApp(last);
        for (String app : apps) {
            List<Pm2Process> instances =
                    last.stream().filter(p -> p.name().equals(app)).toList();
            if (instances.isEmpty()) {
                throw new StepFailedException(
                        BpmnErrors.HEALTH_CHECK_FAILED, "pm2 has no app named '" + app + "' " + during);
            }
            Optional<Pm2Process> down = instances.stream()
                    .filter(p -> "errored".equals(p.status()) || "stopped".equals(p.status()))
                    .findFirst();
            if (down.isPresent()) {
                throw crashing(down.get(), "is " + down.get().status(), during);
            }
            int before = restarts.computeIfAbsent(app, now::get);
            int climbed = now.get(app) - before;
            if (climbed > 0) {
                throw crashing(instances.get(0), "restarted " + climbed + " time(s) since the reload", during);
            }
        }
    }

    /**
     * Lists the apps again ({@link #check}) only when a process the last listing showed for them is gone (or had no
     * pid yet): a crash is seen within one glance of the process exiting, at the cost of a look at the OS process
     * table, not of a {@code pm2 jlist} (half a second of CLI start-up, more on a loaded machine).
     */
    @Override
    public void glance(String during) {
        boolean changed = last.isEmpty()
                || last.stream()
                        .filter(p -> apps.contains(p.name()))
                        .anyMatch(p -> p.pid() <= 0
                                || !ProcessHandle.of(p.pid())
                                        .map(ProcessHandle::isAlive)
                                        .orElse(false));
        if (changed) {
            check(during);
        }
    }

    /**
     * {@code pm2 jlist}; a failing PM2 is a technical fault, not the app's: an exception (the job retries, then an
     * incident), never {@code HEALTH_CHECK_FAILED} that would roll back a release that may be fine.
     */
    private List<Pm2Process> list() {
        try {
            return pm2.list(dir, log);
        } catch (CommandFailedException e) {
            throw new IllegalStateException(
                    "cannot read the pm2 process list during the health check: " + e.getMessage(), e);
        }
    }

    private StepFailedException crashing(Pm2Process app, String what, String during) {
        crashed = app.name();
        return new StepFailedException(
                BpmnErrors.HEALTH_CHECK_FAILED,
                "pm2 app '" + app.name() + "' " + what + " " + during + ": it is crashing, health check stopped"
                        + Pm2ErrorTail.of(app, since));
    }

    /** The app this watch saw crashing, if it did. */
    Optional<String> crashed() {
        return Optional.ofNullable(crashed);
    }

    /** The app's instances as the last check listed them (empty before the first check). */
    List<Pm2Process> instances(String app) {
        return last.stream().filter(p -> p.name().equals(app)).toList();
    }

    @Override
    public String detail() {
        StringBuilder detail = new StringBuilder();
        for (String app : apps) {
            last.stream()
                    .filter(p -> p.name().equals(app))
                    .findFirst()
                    .ifPresent(p -> detail.append(Pm2ErrorTail.of(p, since, Pm2ErrorTail.MAX_CHARS / apps.size())));
        }
        return detail.toString();
    }

    /**
     * Keeps glancing, {@link #GLANCE_INTERVAL} apart, until {@code window} has passed since {@code answeredAt} (when
     * the last of the health URLs first answered 2xx), the last glance at its end: an app that boots, answers and then
     * crashes is caught when its process exits (a process PM2 restarted in between shows as the listed pid gone).
     */
    void stayUp(Instant answeredAt, Duration window) {
        Instant end = answeredAt.plus(window);
        String during = "within the stability window of " + window.toMillis() + " ms after its health URL answered";
        while (Instant.now().isBefore(end)) {
            Duration left = Duration.between(Instant.now(), end);
            HealthChecker.sleep(left.compareTo(GLANCE_INTERVAL) < 0 ? left : GLANCE_INTERVAL);
            glance(during);
        }
        for (String app : apps) {
            log.line("pm2 app '" + app + "' stayed up " + window.toMillis() + " ms after its health URL answered"
                    + " (restarts " + restarts.get(app) + ")");
        }
    }
}

package dev.runbook.health;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * A health indicator whose probe runs at most once per {@code timeToLive}, on its own thread, never in the caller's:
 * {@code /actuator/health} is open and a load balancer polls it every few seconds, and each probe of a tool or target
 * starts a process ({@code <tool> --version}, {@code pm2 jlist}; a Node.js start for npm and PM2) that may hang up to
 * its timeout (a frozen PM2 daemon: 2 minutes).
 * <ul>
 * <li>Within the time to live, callers get the last result.</li>
 * <li>After it, the first caller starts one refresh in the background and every caller gets the last result until
 * the refresh ends, so no request thread waits for a probe, however long it hangs.</li>
 * <li>Before the first result exists, callers wait for it until {@code firstWait} (default 2 s) after the first
 * probe began (one deadline for all), then get UNKNOWN with the detail {@code probe: running} at once.</li>
 * <li>A probe that throws is a result too: UNKNOWN with the exception's class as {@code error}, kept for the time to
 * live like any other.</li>
 * <li>Every result carries {@code checkedAt}, when its probe ended (ISO-8601 instant), so a stale one shows its age.</li>
 * </ul>
 * The first probe starts with the first call, not at start-up: {@code pm2 --version} and {@code pm2 jlist} start a PM2
 * daemon when none runs, which is the first deploy's business.
 */
final class CachedHealthIndicator implements HealthIndicator {

    /** How long callers wait for the first result of a probe, counted from when it began. */
    static final Duration FIRST_WAIT = Duration.ofSeconds(2);
    /** What callers get while the first probe still runs past {@code firstWait}. */
    private static final Health RUNNING =
            Health.unknown().withDetail("probe", "running").build();

    private final String name;
    private final HealthIndicator probe;
    private final long timeToLiveNanos;
    private final long firstWaitNanos;
    private Health last;
    private long probedAt;
    private boolean probing;
    private long firstDeadline;

    CachedHealthIndicator(String name, HealthIndicator probe, Duration timeToLive) {
        this(name, probe, timeToLive, FIRST_WAIT);
    }

    CachedHealthIndicator(String name, HealthIndicator probe, Duration timeToLive, Duration firstWait) {
        this.name = name;
        this.probe = probe;
        this.timeToLiveNanos = timeToLive.toNanos();
        this.firstWaitNanos = firstWait.toNanos();
    }

    @Override
    public synchronized Health health() {
        if (last != null && System.nanoTime() - probedAt < timeToLiveNanos) {
            return last;
        }
        startProbe();
        while (last == null) {
            long left = firstDeadline - System.nanoTime();
            if (left <= 0) {
                return RUNNING;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return RUNNING;
            }
        }
        return last;
    }

    private void startProbe() {
        if (probing) {
            return;
        }
        if (last == null && firstDeadline == 0) {
            firstDeadline = System.nanoTime() + firstWaitNanos;
        }
        Thread refresh = new Thread(this::refresh, "health-probe-" + name);
        refresh.setDaemon(true);
        refresh.start();
        probing = true;
    }

    private void refresh() {
        Health result = null;
        try {
            result = probe.health();
        } catch (RuntimeException e) {
            result =
                    Health.unknown().withDetail("error", e.getClass().getName()).build();
        } finally {
            synchronized (this) {
                if (result != null) {
                    last = Health.status(result.getStatus())
                            .withDetails(result.getDetails())
                            .withDetail("checkedAt", Instant.now().toString())
                            .build();
                    probedAt = System.nanoTime();
                }
                probing = false;
                notifyAll();
            }
        }
    }
}

package dev.runbook.health;

import java.time.Duration;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * A health indicator whose probe runs at most once per {@code timeToLive}: {@code /actuator/health} is open and a load
 * balancer polls it every few seconds, and each probe of a tool or target starts a process ({@code <tool> --version},
 * {@code pm2 jlist}, each a Node.js start for npm and PM2). Callers within the time to live get the last result;
 * concurrent callers wait for the one probe that runs.
 */
final class CachedHealthIndicator implements HealthIndicator {

    private final HealthIndicator probe;
    private final long timeToLiveNanos;
    private Health last;
    private long probedAt;

    CachedHealthIndicator(HealthIndicator probe, Duration timeToLive) {
        this.probe = probe;
        this.timeToLiveNanos = timeToLive.toNanos();
    }

    @Override
    public synchronized Health health() {
        long now = System.nanoTime();
        if (last == null || now - probedAt >= timeToLiveNanos) {
            last = probe.health();
            probedAt = System.nanoTime();
        }
        return last;
    }
}

package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class CachedHealthIndicatorTest {

    private final AtomicInteger probes = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseHangingProbes() {
        release.countDown();
    }

    private Health probe() {
        return Health.up().withDetail("probe", probes.incrementAndGet()).build();
    }

    /** A probe that hangs until the test releases it (a frozen PM2 daemon), then answers. */
    private Health hangingProbe() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return probe();
    }

    @Test
    void shouldProbeOncePerTimeToLive() {
        CachedHealthIndicator cached = new CachedHealthIndicator("test", this::probe, Duration.ofHours(1));
        Instant before = Instant.now();
        for (int i = 0; i < 5; i++) {
            assertThat(cached.health().getDetails()).containsEntry("probe", 1);
        }
        assertThat(probes).hasValue(1);
        assertThat(Instant.parse((String) cached.health().getDetails().get("checkedAt")))
                .as("when the probe ended")
                .isBetween(before, Instant.now());
    }

    @Test
    void shouldGoOnProbingAfterAProbeThatThrowsAnError() {
        AtomicInteger calls = new AtomicInteger();
        CachedHealthIndicator cached = new CachedHealthIndicator(
                "test",
                () -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new AssertionError("an Error, not an exception");
                    }
                    return probe();
                },
                Duration.ZERO,
                Duration.ofMillis(300));
        assertThat(cached.health().getStatus())
                .as("no result from the first probe")
                .isEqualTo(Status.UNKNOWN);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(cached.health().getDetails())
                        .as("the next call probes again")
                        .containsEntry("probe", 1));
    }

    @Test
    void shouldServeTheLastResultWhileAnExpiredOneIsProbedAgainInTheBackground() {
        CachedHealthIndicator cached = new CachedHealthIndicator("test", this::probe, Duration.ZERO);
        assertThat(cached.health().getDetails())
                .as("the first call waits for the first result")
                .containsEntry("probe", 1);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(cached.health().getDetails())
                        .as("expired: probed again")
                        .containsEntry("probe", 2));
    }

    @Test
    void shouldNeverHoldACallerWhileAProbeHangs() {
        CachedHealthIndicator first =
                new CachedHealthIndicator("test", this::hangingProbe, Duration.ofHours(1), Duration.ofMillis(500));
        Health waiting = first.health();
        assertThat(waiting.getStatus())
                .as("no result yet: UNKNOWN after the first wait")
                .isEqualTo(Status.UNKNOWN);
        assertThat(waiting.getDetails()).containsEntry("probe", "running");
        long started = System.nanoTime();
        assertThat(first.health().getStatus()).isEqualTo(Status.UNKNOWN);
        assertThat(System.nanoTime() - started)
                .as("past the first wait, later callers do not wait again")
                .isLessThan(Duration.ofMillis(500).toNanos());
        assertThat(probes).as("one probe, still hanging").hasValue(0);

        AtomicInteger calls = new AtomicInteger();
        CachedHealthIndicator stale = new CachedHealthIndicator(
                "test",
                () -> calls.incrementAndGet() == 1
                        ? Health.up().withDetail("probe", "first").build()
                        : hangingProbe(),
                Duration.ZERO);
        assertThat(stale.health().getDetails()).containsEntry("probe", "first");
        for (int i = 0; i < 20; i++) {
            assertThat(stale.health().getDetails())
                    .as("the last result, at once, while the refresh hangs")
                    .containsEntry("probe", "first");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 2);
        assertThat(calls).as("one refresh at a time").hasValue(2);
    }

    @Test
    void shouldLetConcurrentCallersShareTheOneRunningProbe() throws Exception {
        CachedHealthIndicator cached = new CachedHealthIndicator("test", this::hangingProbe, Duration.ofHours(1));
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable);
            threads.add(thread);
            return thread;
        });
        List<CompletableFuture<Health>> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            callers.add(CompletableFuture.supplyAsync(cached::health, pool));
        }
        // all eight wait for the first result of the one probe
        await().atMost(Duration.ofSeconds(10))
                .until(() -> threads.size() == 8
                        && threads.stream()
                                        .filter(t -> t.getState() == Thread.State.TIMED_WAITING)
                                        .count()
                                == 8);
        release.countDown();
        for (CompletableFuture<Health> caller : callers) {
            assertThat(caller.get(10, TimeUnit.SECONDS).getDetails()).containsEntry("probe", 1);
        }
        assertThat(probes).hasValue(1);
        pool.shutdown();
    }

    @Test
    void shouldKeepAProbeThatThrowsAsUnknownInsteadOfFailingTheEndpoint() {
        AtomicInteger calls = new AtomicInteger();
        CachedHealthIndicator cached = new CachedHealthIndicator(
                "test",
                () -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("interrupted while running 'pm2 --version'");
                },
                Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            Health health = cached.health();
            assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
            assertThat(health.getDetails()).containsEntry("error", IllegalStateException.class.getName());
        }
        assertThat(calls).as("the failure is cached like a result").hasValue(1);
    }
}

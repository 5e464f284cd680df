package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;

class CachedHealthIndicatorTest {

    private final AtomicInteger probes = new AtomicInteger();

    private Health probe() {
        return Health.up().withDetail("probe", probes.incrementAndGet()).build();
    }

    @Test
    void shouldProbeOncePerTimeToLive() {
        CachedHealthIndicator cached = new CachedHealthIndicator(this::probe, Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            assertThat(cached.health().getDetails()).containsEntry("probe", 1);
        }
        assertThat(probes).hasValue(1);

        CachedHealthIndicator uncached = new CachedHealthIndicator(this::probe, Duration.ZERO);
        uncached.health();
        assertThat(uncached.health().getDetails()).as("expired: probed again").containsEntry("probe", 3);
    }

    @Test
    void shouldLetConcurrentCallersShareTheOneRunningProbe() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch probing = new CountDownLatch(1);
        CachedHealthIndicator cached = new CachedHealthIndicator(() -> {
            probing.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return probe();
        }, Duration.ofHours(1));
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable);
            threads.add(thread);
            return thread;
        });
        CompletableFuture<Health> first = CompletableFuture.supplyAsync(cached::health, pool);
        probing.await(10, TimeUnit.SECONDS);
        List<CompletableFuture<Health>> callers = new ArrayList<>(List.of(first));
        for (int i = 0; i < 7; i++) {
            callers.add(CompletableFuture.supplyAsync(cached::health, pool));
        }
        // the seven later callers arrive while the first one's probe runs
        await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 8
                && threads.stream().filter(t -> t.getState() == Thread.State.BLOCKED).count() == 7);
        release.countDown();
        for (CompletableFuture<Health> caller : callers) {
            assertThat(caller.get(10, TimeUnit.SECONDS).getDetails()).containsEntry("probe", 1);
        }
        assertThat(probes).hasValue(1);
        pool.shutdown();
    }
}

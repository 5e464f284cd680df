package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Process;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gap line of a health check after a reload or restart, for each PM2 mode and what the polls saw. */
class ReloadGapTest {

    private static final Instant RELOADED = Instant.parse("2025-01-31T10:00:00Z");
    private static final List<Pm2Process> FORK = List.of(process(0, "fork_mode"));
    private static final List<Pm2Process> WORKERS = List.of(process(0, "cluster_mode"), process(1, "cluster_mode"));

    @Test
    void shouldCountAForkModeGapFromTheFirstFailedPollToTheNextAnswer() {
        Pm2Baseline polled =
                baseline(false, new Pm2Baseline.Poll(RELOADED.plusMillis(300), RELOADED.plusMillis(720), true));

        assertThat(ReloadGap.describe("backend", "shop-api", polled, answered(2000, null, 0), FORK))
                .isEqualTo("backend: no 2xx answer for 0.42 s during the reload (from the first health poll without a "
                        + "2xx to the next 2xx, polled every 100 ms; fork mode: one process, stopped and started; cluster mode "
                        + "with 2+ instances reloads without a gap)");
    }

    @Test
    void shouldBoundTheGapByTheHealthChecksFirstAnswerWhenTheReloadStepSawNoAnswerAgain() {
        Pm2Baseline polled = baseline(false, new Pm2Baseline.Poll(RELOADED.plusMillis(300), null, true));

        assertThat(ReloadGap.describe("backend", "shop-api", polled, answered(1800, null, 0), FORK))
                .startsWith("backend: no 2xx answer for up to 1.50 s during the reload (from the first health poll "
                        + "without a 2xx to the health check's first 2xx");
        assertThat(ReloadGap.describe("backend", "shop-api", baseline(false, null), answered(1800, null, 0), FORK))
                .as("no poll in the reload step: from the reload's start")
                .startsWith("backend: no 2xx answer for up to 1.80 s during the reload (from its start");
    }

    @Test
    void shouldSeeNoGapInClusterModeWhenNoPollFailed() {
        Pm2Baseline polled = baseline(false, new Pm2Baseline.Poll(null, null, true));

        assertThat(ReloadGap.describe("backend", "shop-api", polled, answered(900, null, 0), WORKERS))
                .isEqualTo("backend: no gap seen during the reload (every health poll answered 2xx, polled every 100 "
                        + "ms; cluster mode, 2 instances reloaded one by one)");
        assertThat(ReloadGap.describe(
                        "backend", "shop-api", polled, answered(900, RELOADED.plusMillis(600), 2), WORKERS))
                .startsWith("backend: no 2xx answer for 0.30 s after the reload (from the health check's first poll");
    }

    @Test
    void shouldSayARestartHasAGapInEveryMode() {
        Pm2Baseline restart =
                baseline(true, new Pm2Baseline.Poll(RELOADED.plusMillis(100), RELOADED.plusMillis(1600), true));

        assertThat(ReloadGap.describe("backend", "shop-api", restart, answered(2000, null, 0), WORKERS))
                .startsWith("backend: no 2xx answer for 1.50 s during the restart")
                .endsWith("a restart deletes and starts the app: a gap in every PM2 mode)");
    }

    @Test
    void shouldNotCallTheFirstStartOfAnAppAGap() {
        Pm2Baseline first = baseline(false, new Pm2Baseline.Poll(RELOADED, RELOADED.plusMillis(2620), false));

        assertThat(ReloadGap.describe("backend", "shop-api", first, answered(3000, null, 0), WORKERS))
                .isEqualTo("backend: first 2xx answer 2.62 s after the reload began (no 2xx before it: a first start, "
                        + "or a failed release being replaced)");
    }

    private static Pm2Baseline baseline(boolean fresh, Pm2Baseline.Poll poll) {
        return new Pm2Baseline(
                RELOADED, Map.of("shop-api", 0), fresh, poll == null ? Map.of() : Map.of("shop-api", poll));
    }

    private static HealthChecker.Answer answered(long afterMillis, Instant firstFailedAt, int failedPolls) {
        return new HealthChecker.Answer(200, RELOADED.plusMillis(afterMillis), firstFailedAt, failedPolls);
    }

    private static Pm2Process process(int id, String mode) {
        return new Pm2Process("shop-api", id, 1000 + id, "online", 0, 0, 0, 0, null, null, null, mode);
    }
}

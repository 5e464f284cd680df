package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Process;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gap line of a health check after a reload or restart, for each PM2 mode. */
class ReloadGapTest {

    private static final Instant RELOADED = Instant.parse("2025-01-31T10:00:00Z");
    private static final Pm2Baseline RELOAD = new Pm2Baseline(RELOADED, Map.of("shop-api", 0));

    @Test
    void shouldCountAForkModeGapFromTheReloadToTheFirstAnswer() {
        HealthChecker.Answer answer = new HealthChecker.Answer(200, RELOADED.plusMillis(420), null, 0);

        assertThat(ReloadGap.describe("backend", RELOAD, answer, List.of(process(0, "fork_mode"))))
                .startsWith("backend: no answer for up to 0.42 s after the reload")
                .contains("fork mode", "cluster mode with 2+ instances reloads without a gap");
    }

    @Test
    void shouldSeeNoGapInClusterModeWhenNoPollFailedAndCountOneWhenSomeDid() {
        List<Pm2Process> workers = List.of(process(0, "cluster_mode"), process(1, "cluster_mode"));

        assertThat(ReloadGap.describe(
                        "backend", RELOAD, new HealthChecker.Answer(200, RELOADED.plusMillis(900), null, 0), workers))
                .isEqualTo("backend: no gap seen: every health poll after the reload answered 2xx (cluster mode, 2 "
                        + "instances reloaded one by one)");
        assertThat(ReloadGap.describe(
                        "backend",
                        RELOAD,
                        new HealthChecker.Answer(200, RELOADED.plusMillis(900), RELOADED.plusMillis(600), 2),
                        workers))
                .startsWith("backend: no answer for 0.30 s after the reload (from the first failed health poll");
    }

    @Test
    void shouldSayARestartHasAGapInEveryMode() {
        Pm2Baseline restart = new Pm2Baseline(RELOADED, Map.of("shop-api", 0), true);
        List<Pm2Process> workers = List.of(process(0, "cluster_mode"), process(1, "cluster_mode"));

        assertThat(ReloadGap.describe(
                        "backend", restart, new HealthChecker.Answer(200, RELOADED.plusMillis(1500), null, 0), workers))
                .startsWith("backend: no answer for up to 1.50 s after the restart")
                .contains("every PM2 mode");
    }

    private static Pm2Process process(int id, String mode) {
        return new Pm2Process("shop-api", id, 1000 + id, "online", 0, 0, 0, 0, null, null, null, mode);
    }
}

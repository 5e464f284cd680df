package dev.runbook.pm2;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reload step's baseline survives the trip through its process variable, and counts every worker of a cluster. */
class Pm2BaselineTest {

    private static final Instant RELOADED = Instant.parse("2026-01-31T10:00:00.250Z");

    @Test
    void shouldReadBackWhatTheReloadStepWrote() {
        Pm2Baseline written = Pm2Baseline.of(RELOADED, List.of(process("shop-api", 0, 3), process("shop-web", 1, 0)));

        assertThat(Pm2Baseline.fromJson(written.toJson())).contains(written);
        Pm2Baseline fresh = Pm2Baseline.fresh(RELOADED, List.of(process("shop-api", 0, 3)));
        assertThat(Pm2Baseline.fromJson(fresh.toJson())).contains(fresh);
        assertThat(fresh.fresh()).isTrue();
        Pm2Baseline polled = written.withPolls(Map.of(
                "shop-api", new Pm2Baseline.Poll(RELOADED, RELOADED.plusMillis(420), true),
                "shop-web", new Pm2Baseline.Poll(null, null, false)));
        assertThat(Pm2Baseline.fromJson(polled.toJson())).contains(polled);
    }

    @Test
    void shouldSumTheRestartsOfEveryWorkerOfAClusterModeApp() {
        Pm2Baseline baseline = Pm2Baseline.of(RELOADED, List.of(process("shop-api", 0, 2), process("shop-api", 1, 5)));

        assertThat(baseline.restarts()).containsExactlyEntriesOf(java.util.Map.of("shop-api", 7));
    }

    @Test
    void shouldHaveNoBaselineForAMissingOrForeignVariable() {
        assertThat(Pm2Baseline.fromJson(null)).isEmpty();
        assertThat(Pm2Baseline.fromJson("not json")).isEmpty();
        assertThat(Pm2Baseline.fromJson("{\"restarts\":{}}")).isEmpty();
    }

    private static Pm2Process process(String name, int pmId, int restarts) {
        return new Pm2Process(name, pmId, 1000 + pmId, "online", restarts, 0, 0, 0, null, null, null, "fork_mode");
    }
}

package dev.runbook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** Alert episodes and watch claims on the real {@code monitor_state} table (V5 migration, H2 in memory). */
class MonitorStateTest {

    static final Instant T0 = Instant.parse("2025-01-31T10:00:00Z");

    private MonitorState state;

    @BeforeEach
    void table() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(
                "jdbc:h2:mem:monitor-state-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1", "sa", ""));
        jdbc.execute(Files.readString(Path.of("db/migration/V5__monitor.sql")));
        state = new MonitorState(jdbc);
        state.ensureRows(List.of("shop", "shop"));
        state.ensureRows(List.of("shop"));
    }

    @Test
    void shouldAlertOncePerEpisodeAndSendOneRecovery() {
        assertThat(state.healthy("shop", T0)).as("nothing to recover from").isEmpty();
        assertThat(state.unhealthy("shop", "disk full", T0.plusSeconds(30)))
                .as("episode opens: alert")
                .isTrue();
        assertThat(state.unhealthy("shop", "disk full", T0.plusSeconds(60)))
                .as("same episode")
                .isFalse();
        assertThat(state.unhealthy("shop", "disk full", T0.plusSeconds(90))).isFalse();
        assertThat(state.unhealthySince("shop")).contains(T0.plusSeconds(30));

        assertThat(state.healthy("shop", T0.plusSeconds(120))).contains(T0.plusSeconds(30));
        assertThat(state.healthy("shop", T0.plusSeconds(150)))
                .as("recovery sent once")
                .isEmpty();
        assertThat(state.unhealthySince("shop")).isEmpty();
        assertThat(state.unhealthy("shop", "down", T0.plusSeconds(180)))
                .as("a new episode alerts again")
                .isTrue();
    }

    @Test
    void shouldRetryAnAlertThatCouldNotBeSentAndSkipTheRecoveryOfAnUnsentAlert() {
        assertThat(state.unhealthy("shop", "down", T0)).isTrue();
        state.alertFailed("shop");
        assertThat(state.unhealthy("shop", "down", T0.plusSeconds(30)))
                .as("retried")
                .isTrue();
        assertThat(state.unhealthySince("shop")).as("episode keeps its start").contains(T0);

        state.alertFailed("shop");
        assertThat(state.healthy("shop", T0.plusSeconds(60)))
                .as("no alert went out, no recovery")
                .isEmpty();
        assertThat(state.unhealthySince("shop")).isEmpty();
    }

    @Test
    void shouldLetOneCallerClaimEachWatchCheck() {
        Duration interval = Duration.ofSeconds(30);
        assertThat(state.claim("shop", T0, interval)).isTrue();
        assertThat(state.claim("shop", T0.plusMillis(10), interval))
                .as("another node at the same time")
                .isFalse();
        assertThat(state.claim("shop", T0.plusSeconds(15), interval)).isFalse();
        assertThat(state.claim("shop", T0.plusSeconds(30), interval))
                .as("next interval")
                .isTrue();
        assertThat(state.claim("unknown", T0, interval)).as("no row, no claim").isFalse();
    }
}

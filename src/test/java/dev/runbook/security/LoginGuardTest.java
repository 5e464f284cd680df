package dev.runbook.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.audit.AuditProperties;
import dev.runbook.audit.LoginLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.util.unit.DataSize;

/**
 * The login policy on the real tables (H2 in memory): slowed after {@code slowAfter} failures, locked after
 * {@code lockAfter}, a success resets, other users untouched, every attempt logged.
 */
class LoginGuardTest {

    static final Map<String, String> PASSWORDS = Map.of("mallory", "right", "trent", "right");

    private JdbcTemplate jdbc;
    private LoginGuard guard;

    @BeforeEach
    void guard() {
        DataSource dataSource =
                new DriverManagerDataSource("jdbc:h2:mem:login-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        new ResourceDatabasePopulator(new ClassPathResource("db/migration/V3__audit.sql")).execute(dataSource);
        jdbc = new JdbcTemplate(dataSource);
        SecurityProperties security = new SecurityProperties(
                List.of(),
                new SecurityProperties.Login(
                        2, Duration.ofMillis(300), Duration.ofMillis(600), 4, Duration.ofSeconds(2)),
                DataSize.ofKilobytes(64));
        guard = new LoginGuard(
                jdbc,
                new DataSourceTransactionManager(dataSource),
                security,
                new AuditProperties(Duration.ofDays(1), Duration.ofMinutes(30)),
                new LoginLog(jdbc),
                new ClientAddress(security));
    }

    private boolean login(String user, String password) {
        return guard.attempt(
                user,
                password,
                (id, secret) -> PASSWORDS.containsKey(id) ? PASSWORDS.get(id).equals(secret) : null);
    }

    @Test
    void shouldSlowThenLockOneUserAndLogEveryAttempt() throws InterruptedException {
        assertThat(login("mallory", "wrong")).isFalse();
        assertThat(login("mallory", "wrong")).isFalse();
        assertThat(login("mallory", "right"))
                .as("throttled right after the second failure")
                .isFalse();
        assertThat(login("trent", "right")).as("another user is not affected").isTrue();
        Thread.sleep(350);
        assertThat(login("mallory", "wrong")).isFalse();
        Thread.sleep(650);
        assertThat(login("mallory", "wrong")).isFalse();
        Thread.sleep(650);
        assertThat(login("mallory", "right"))
                .as("locked after the fourth failure")
                .isFalse();
        Thread.sleep(2_100);
        assertThat(login("mallory", "right")).isTrue();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM login_lockout", Integer.class))
                .isZero();

        assertThat(jdbc.queryForList(
                        "SELECT reason FROM login_log WHERE user_id = 'mallory' ORDER BY id", String.class))
                .containsExactly(
                        "BAD_CREDENTIALS",
                        "BAD_CREDENTIALS",
                        "THROTTLED",
                        "BAD_CREDENTIALS",
                        "BAD_CREDENTIALS",
                        "LOCKED",
                        "OK");
    }

    @Test
    void shouldResetTheCountOnSuccessAndNeverStoreUnknownUsers() {
        assertThat(login("mallory", "wrong")).isFalse();
        assertThat(login("mallory", "right")).isTrue();
        assertThat(login("mallory", "wrong")).isFalse();
        assertThat(login("mallory", "right"))
                .as("one failure after a success is not throttled")
                .isTrue();
        for (int i = 0; i < 6; i++) {
            assertThat(login("nobody" + i, "x")).isFalse();
        }
        assertThat(login("x".repeat(200), "x")).isFalse();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM login_lockout", Integer.class))
                .isZero();
        assertThat(jdbc.queryForList("SELECT reason FROM login_log WHERE user_id LIKE 'nobody%'", String.class))
                .hasSize(6)
                .containsOnly("UNKNOWN_USER");
    }

    @Test
    void shouldDoubleTheWaitUpToTheMaximum() {
        assertThat(guard.delay(2)).isEqualTo(Duration.ofMillis(300));
        assertThat(guard.delay(3)).isEqualTo(Duration.ofMillis(600));
        assertThat(guard.delay(40)).isEqualTo(Duration.ofMillis(600));
    }
}

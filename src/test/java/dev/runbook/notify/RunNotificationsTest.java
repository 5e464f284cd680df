package dev.runbook.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the end of a run tells: one notification per bad outcome, none for a good one, none twice. */
class RunNotificationsTest {

    static final Instant AT = Instant.parse("2025-01-31T10:00:00Z");

    static final RunNotifications runs = new RunNotifications(
            null, new NotificationProperties(URI.create("https://runbook.example.com"), Map.of()), null, null, null);

    static Map<String, Object> ended(String outcome, String code, String step, String message) {
        return code == null
                ? Map.of("target", "shop", "runOutcome", outcome)
                : Map.of(
                        "target",
                        "shop",
                        "runOutcome",
                        outcome,
                        "failureCode",
                        code,
                        "failedStep",
                        step,
                        "failureMessage",
                        message);
    }

    @Test
    void shouldTellARolledBackRunWithItsFailureAndLink() {
        Optional<Notification> told = runs.runEnded(
                "42",
                "deploy",
                ended(
                        "ROLLED_BACK",
                        "HEALTH_CHECK_FAILED",
                        "Task_HealthCheck",
                        "GET http://127.0.0.1:3000/health answered 502 10 times"),
                AT);

        assertThat(told).get().isInstanceOf(Notification.RunEnded.class).satisfies(n -> {
            assertThat(n.text())
                    .startsWith(
                            "Run deploy on shop ended ROLLED_BACK: HEALTH_CHECK_FAILED at " + "Task_HealthCheck — GET")
                    .endsWith(". https://runbook.example.com/runs/42");
            assertThat(n.body())
                    .containsEntry("outcome", "ROLLED_BACK")
                    .containsEntry("url", "https://runbook.example.com/runs/42")
                    .containsEntry("failureCode", "HEALTH_CHECK_FAILED");
        });
    }

    @Test
    void shouldTellAFailedReleaseBackupAsBackupFailed() {
        assertThat(runs.runEnded("43", "backup", ended("FAILED", "BACKUP_FAILED", "Task_Backup", "disk full"), AT))
                .get()
                .isInstanceOf(Notification.BackupFailed.class)
                .satisfies(n -> assertThat(n.text()).startsWith("Backup failed on shop (backup ended FAILED)"));
    }

    @Test
    void shouldTellNothingWhenADatabaseBackupRunEndsFailedBecauseItsFailureWasToldAlready() {
        assertThat(runs.runEnded("44", "db-backup", ended("FAILED", "BACKUP_FAILED", "Task_Dump", "refused"), AT))
                .as("DbBackupFailureDelegate sent BACKUP_FAILED when the dump failed")
                .isEmpty();
    }

    @Test
    void shouldTellNothingForAGoodOutcome() {
        assertThat(runs.runEnded("45", "deploy", ended("DEPLOYED", null, null, null), AT))
                .isEmpty();
        assertThat(runs.runEnded("46", "db-backup", ended("BACKED_UP", null, null, null), AT))
                .isEmpty();
        assertThat(runs.runEnded("47", "monitor", ended("UNHEALTHY", null, null, null), AT))
                .isEmpty();
    }
}

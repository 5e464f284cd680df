package dev.runbook.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.config.RunbookProperties.DbSchedule;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cron expressions of the backup schedules, read with Camunda's own cron parser. */
class DbBackupSchedulesTest {

    private static final ZoneId ZONE = ZoneId.systemDefault();
    private static final Instant NOW =
            LocalDateTime.of(2025, 1, 15, 12, 0).atZone(ZONE).toInstant();

    private static List<LocalDateTime> next(String cron) {
        return DbBackupSchedules.fireTimes(cron, NOW, 3).stream()
                .map(t -> LocalDateTime.ofInstant(t, ZONE))
                .toList();
    }

    @Test
    void shouldFireAsSetupCronBackupShDidWhenDefaultsApply() {
        DbSchedule defaults = new DbSchedule(null, null, null);

        assertThat(next(defaults.daily()))
                .containsExactly(
                        LocalDateTime.of(2025, 1, 16, 2, 0),
                        LocalDateTime.of(2025, 1, 17, 2, 0),
                        LocalDateTime.of(2025, 1, 18, 2, 0));
        assertThat(next(defaults.weekly()))
                .allSatisfy(t -> {
                    assertThat(t.getDayOfWeek()).isEqualTo(DayOfWeek.SUNDAY);
                    assertThat(t.toLocalTime()).hasToString("03:00");
                })
                .first()
                .isEqualTo(LocalDateTime.of(2025, 1, 19, 3, 0));
        assertThat(next(defaults.monthly()))
                .containsExactly(
                        LocalDateTime.of(2025, 2, 1, 4, 0),
                        LocalDateTime.of(2025, 3, 1, 4, 0),
                        LocalDateTime.of(2025, 4, 1, 4, 0));
    }

    @Test
    void shouldReadSecondsFieldWhenCronFiresOftenerThanAMinute() {
        List<Instant> times = DbBackupSchedules.fireTimes("0/5 * * * * ?", NOW, 3);

        assertThat(times).containsExactly(NOW.plusSeconds(5), NOW.plusSeconds(10), NOW.plusSeconds(15));
    }

    @Test
    void shouldRefuseExpressionsCamundaCannotRead() {
        for (String bad : List.of("0 2 * * *", "0 0 25 * * ?", "every day", "")) {
            assertThatThrownBy(() -> DbBackupSchedules.validate(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        DbBackupSchedules.validate("off");
        assertThat(new DbBackupSchedules().next("0 0 2 * * ?")).isInTheFuture();
    }
}

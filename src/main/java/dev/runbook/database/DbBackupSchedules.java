package dev.runbook.database;

import dev.runbook.config.RunbookProperties.DbSchedule;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.impl.calendar.CronTimer;
import org.springframework.stereotype.Component;

/**
 * Cron expressions of the scheduled database backups, read exactly as Camunda reads a timer's cron (Quartz form with
 * a seconds field, {@code 0 0 2 * * ?}; Camunda's own parser). Bean {@code dbBackupSchedules}: the timers of
 * {@code db-backup-schedule} ask it for their next due date, {@code ${dbBackupSchedules.next(dailyCron)}}.
 */
@Component("dbBackupSchedules")
public class DbBackupSchedules {

    /** Schedule classes that run on a timer ({@code manual} backups are taken on request). */
    public static final List<String> CLASSES = List.of("daily", "weekly", "monthly");
    /** Cron value that switches a schedule class off. */
    public static final String OFF = "off";

    /**
     * The next fire time after now, for a timer's {@code timeDate}.
     *
     * @throws IllegalArgumentException for an invalid expression or {@code off}
     */
    public Date next(String cron) {
        return Date.from(fireTimes(cron, Instant.now(), 1).get(0));
    }

    /**
     * The next {@code count} fire times strictly after {@code after} (platform time zone).
     *
     * @throws IllegalArgumentException for an invalid expression or {@code off}
     */
    public static List<Instant> fireTimes(String cron, Instant after, int count) {
        CronTimer timer = parse(cron);
        List<Instant> times = new ArrayList<>();
        Date from = Date.from(after);
        for (int i = 0; i < count; i++) {
            Date due = timer.getDueDate(from);
            if (due == null) {
                break;
            }
            times.add(due.toInstant());
            from = due;
        }
        return times;
    }

    /**
     * Checks an expression.
     *
     * @throws IllegalArgumentException naming why it is not a valid Camunda cron expression
     */
    public static void validate(String cron) {
        if (!OFF.equals(cron)) {
            parse(cron);
        }
    }

    /** Cron per schedule class ({@code daily}, {@code weekly}, {@code monthly}) of a target's configuration. */
    public static Map<String, String> of(DbSchedule schedule) {
        Map<String, String> crons = new LinkedHashMap<>();
        crons.put("daily", schedule.daily());
        crons.put("weekly", schedule.weekly());
        crons.put("monthly", schedule.monthly());
        return crons;
    }

    private static CronTimer parse(String cron) {
        if (cron == null || cron.isBlank() || OFF.equals(cron)) {
            throw new IllegalArgumentException("no cron expression (schedule is '" + cron + "')");
        }
        try {
            return CronTimer.parse(cron);
        } catch (ParseException | RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }
}

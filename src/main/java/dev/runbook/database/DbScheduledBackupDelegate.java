package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.run.RunLauncher;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_StartDailyBackup, Task_StartWeeklyBackup, Task_StartMonthlyBackup (db-backup-schedule): start a separate
 * {@code db-backup} run of the target with schedule class {@code scheduleClass}, so a failed backup (which waits as
 * an incident) never holds up the next one.
 */
@Component("dbScheduledBackupDelegate")
class DbScheduledBackupDelegate extends RunbookDelegate {

    private final RunLauncher launcher;

    DbScheduledBackupDelegate(TargetRegistry targets, Redactor redactor, RunLauncher launcher) {
        super(targets, redactor);
        this.launcher = launcher;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String scheduleClass = vars.required(ProcessVariables.SCHEDULE_CLASS);
        String runId = launcher.start(
                "db-backup",
                vars.target(),
                "db-backup " + scheduleClass,
                Map.of(ProcessVariables.SCHEDULE_CLASS, scheduleClass));
        log.line("started " + scheduleClass + " db-backup run " + runId);
    }
}

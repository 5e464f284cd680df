package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import org.springframework.stereotype.Component;

/**
 * Task_DumpDatabase (db-backup): dumps the target's database into a new catalogue entry of schedule class
 * {@code scheduleClass} (default {@code manual}) and writes its id to {@code dbBackupId}. {@code BACKUP_FAILED} when
 * the tool is missing or fails; the entry is then {@code FAILED}.
 */
@Component("dbDumpDelegate")
@StepErrors({
    BpmnErrors.BACKUP_FAILED,
    BpmnErrors.PRECONDITION_FAILED,
    BpmnErrors.BACKUP_INVALID,
    BpmnErrors.VERIFICATION_FAILED,
    BpmnErrors.COMMAND_FAILED
})
class DbDumpDelegate extends RunbookDelegate {

    private final DbBackups backups;

    DbDumpDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups) {
        super(targets, redactor);
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String scheduleClass = vars.string(ProcessVariables.SCHEDULE_CLASS) == null
                ? "manual"
                : vars.string(ProcessVariables.SCHEDULE_CLASS);
        if (!DatabaseTargets.CLASSES.contains(scheduleClass)) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "unknown schedule class '" + scheduleClass + "'; one of " + DatabaseTargets.CLASSES);
        }
        String by = vars.requestedBy() == null ? "schedule" : vars.requestedBy();
        DbBackup backup = backups.dump(vars.target(), scheduleClass, null, by, vars.runId(), null, log);
        vars.set(ProcessVariables.SCHEDULE_CLASS, scheduleClass);
        vars.set(ProcessVariables.DB_BACKUP_ID, backup.getId());
    }
}

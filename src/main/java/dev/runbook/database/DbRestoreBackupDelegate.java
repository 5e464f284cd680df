package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import org.springframework.stereotype.Component;

/**
 * Compensation handler that puts a database backup back: Task_RestoreSafetyBackup (db-restore, {@code dbBackupId}
 * mapped from {@code safetyDbBackupId}, into {@code intoDatabase}) and Task_RestoreDatabase (deploy, the backup taken
 * before the migration, into the target's own database). Checks the archive's sha256 first and the restored counts
 * after; any failure is an incident (never a silent end).
 */
@Component("dbRestoreBackupDelegate")
@StepErrors({
    BpmnErrors.BACKUP_FAILED,
    BpmnErrors.BACKUP_INVALID,
    BpmnErrors.VERIFICATION_FAILED,
    BpmnErrors.COMMAND_FAILED
})
class DbRestoreBackupDelegate extends RunbookDelegate {

    private final DbBackups backups;

    DbRestoreBackupDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups) {
        super(targets, redactor);
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String backupId = vars.string(ProcessVariables.DB_BACKUP_ID);
        if (backupId == null) {
            // the target has no database configured: there is nothing to restore, and the rollback of the code must
            // go on (an incident here would leave the failed release serving)
            log.line("no database backup was taken before this change (the target has no database configured): the "
                    + "migration stays in place; the release itself is rolled back");
            return;
        }
        backups.restoreAndCheck(vars.target(), backupId, vars.string(ProcessVariables.INTO_DATABASE), log);
    }
}

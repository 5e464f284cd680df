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
 * Task_VerifyBackup (db-backup): checks the fresh dump {@code dbBackupId} (archive present, not trivially small,
 * readable format, not empty), records its size and sha256 and marks it {@code OK}. {@code BACKUP_FAILED} otherwise.
 */
@Component("dbVerifyBackupDelegate")
@StepErrors({
    BpmnErrors.BACKUP_FAILED,
    BpmnErrors.BACKUP_INVALID,
    BpmnErrors.VERIFICATION_FAILED,
    BpmnErrors.COMMAND_FAILED
})
class DbVerifyBackupDelegate extends RunbookDelegate {

    private final DbBackups backups;

    DbVerifyBackupDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups) {
        super(targets, redactor);
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        backups.verify(vars.target(), vars.required(ProcessVariables.DB_BACKUP_ID), false, log);
    }
}

package dev.runbook.database;

import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.config.TargetRegistry;
import org.springframework.stereotype.Component;

/**
 * A database backup on the way of a change (Task_SafetyBackup of db-restore, Task_DatabaseBackup of deploy): dumps
 * and verifies the database about to change ({@code intoDatabase}, default the target's own) as a {@code manual}
 * backup and writes its id to {@code dbBackupId}. An empty database is a valid (empty) backup here. Fails with
 * {@code BACKUP_FAILED} before anything is changed.
 */
@Component("dbBackupDelegate")
class DbBackupDelegate extends RunbookDelegate {

    private final DbBackups backups;

    DbBackupDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups) {
        super(targets, redactor);
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        DbBackup backup = backups.backUp(vars.target(), "manual", vars.string(ProcessVariables.INTO_DATABASE),
                vars.requestedBy(), vars.runId(), "taken by run " + vars.runId() + " before it changes the database",
                true, log);
        vars.set(ProcessVariables.DB_BACKUP_ID, backup.getId());
    }
}

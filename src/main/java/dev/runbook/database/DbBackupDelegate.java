package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepPreview;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * A database backup on the way of a change (Task_SafetyBackup of db-restore, Task_DatabaseBackup of deploy): dumps
 * and verifies the database about to change ({@code intoDatabase}, default the target's own) as a {@code manual}
 * backup and writes its id to {@code dbBackupId}. An empty database is a valid (empty) backup here. Fails with
 * {@code BACKUP_FAILED} before anything is changed.
 */
@Component("dbBackupDelegate")
@StepErrors({
    BpmnErrors.BACKUP_FAILED,
    BpmnErrors.BACKUP_INVALID,
    BpmnErrors.VERIFICATION_FAILED,
    BpmnErrors.COMMAND_FAILED
})
class DbBackupDelegate extends RunbookDelegate implements StepPreview {

    private final DbBackups backups;

    DbBackupDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups) {
        super(targets, redactor);
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        DbBackup backup = backups.backUp(
                vars.target(),
                "manual",
                vars.string(ProcessVariables.INTO_DATABASE),
                vars.requestedBy(),
                vars.runId(),
                "taken by run " + vars.runId() + " before it changes the database",
                true,
                log);
        vars.set(ProcessVariables.DB_BACKUP_ID, backup.getId());
    }

    /** Deploy's database backup runs only ahead of a migration, on a target with a database (the model's gateway). */
    @Override
    public Optional<Preview> preview(Release release) {
        if (!release.migrates() || release.target().database() == null) {
            return Optional.empty();
        }
        return Preview.note("dumps the " + release.target().database().kind() + " database into a new catalogued "
                + "database backup (mongodump --archive --gzip or pg_dump -Fc), verified and checksummed before "
                + "anything changes");
    }
}

package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.exec.ToolMissingException;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_RestoreBackup (db-restore): restores {@code dbBackupId} into {@code intoDatabase} ({@code mongorestore --drop}
 * with namespace mapping for another database, {@code pg_restore --clean}) and writes the counts the restore reports
 * to {@code restoredCounts}. When the restore fails half-way it first puts the safety backup
 * ({@code safetyDbBackupId}) back, then fails with {@code COMMAND_FAILED}, so the failed step leaves no change behind;
 * if that undo fails too, the step stays an incident.
 */
@Component("dbRestoreDelegate")
@StepErrors({
    BpmnErrors.COMMAND_FAILED,
    BpmnErrors.BACKUP_FAILED,
    BpmnErrors.BACKUP_INVALID,
    BpmnErrors.VERIFICATION_FAILED
})
class DbRestoreDelegate extends RunbookDelegate implements StepPreview {

    private final DbBackups backups;
    private final DbBackupCatalogue catalogue;

    DbRestoreDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups, DbBackupCatalogue catalogue) {
        super(targets, redactor);
        this.backups = backups;
        this.catalogue = catalogue;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String into = vars.required(ProcessVariables.INTO_DATABASE);
        DbBackup backup = backups.requireIntact(vars.target(), vars.required(ProcessVariables.DB_BACKUP_ID), log);
        Map<String, Long> restored;
        try {
            restored = backups.restore(backup, into, log);
        } catch (ToolMissingException e) {
            throw new StepFailedException(
                    BpmnErrors.COMMAND_FAILED,
                    "the restore tool cannot be started; nothing " + "was restored: " + e.getMessage());
        } catch (CommandFailedException e) {
            String safety = vars.required(ProcessVariables.SAFETY_DB_BACKUP_ID);
            log.line("restore failed: putting safety backup " + safety + " back into " + into);
            try {
                backups.restoreAndCheck(vars.target(), safety, into, log);
            } catch (RuntimeException undo) {
                throw new UndoFailedException(
                        "restore of " + backup.getId() + " failed and putting safety backup " + safety
                                + " back failed too: " + undo.getMessage(),
                        undo);
            }
            throw e;
        }
        vars.set(ProcessVariables.RESTORED_COUNTS, catalogue.toJson(restored));
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("restores the approved database backup (mongorestore --archive --gzip --drop or "
                + "pg_restore --clean); a failure puts the safety backup back");
    }
}

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
 * Task_VerifyRestore (db-restore): compares {@code restoredCounts} with the counts the catalogue holds for
 * {@code dbBackupId}; {@code VERIFICATION_FAILED} naming each collection or table that differs.
 */
@Component("dbVerifyRestoreDelegate")
@StepErrors(BpmnErrors.VERIFICATION_FAILED)
class DbVerifyRestoreDelegate extends RunbookDelegate implements StepPreview {

    private final DbBackups backups;
    private final DbBackupCatalogue catalogue;

    DbVerifyRestoreDelegate(TargetRegistry targets, Redactor redactor, DbBackups backups, DbBackupCatalogue catalogue) {
        super(targets, redactor);
        this.backups = backups;
        this.catalogue = catalogue;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String backupId = vars.required(ProcessVariables.DB_BACKUP_ID);
        DbBackup backup = catalogue
                .find(vars.target(), backupId)
                .orElseThrow(() ->
                        new IllegalStateException("database backup " + backupId + " is no longer in the catalogue"));
        backups.checkCounts(backup, catalogue.parseCounts(vars.required(ProcessVariables.RESTORED_COUNTS)), log);
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("compares the restored collection/table counts with the catalogue; a mismatch puts the "
                + "safety backup back");
    }
}

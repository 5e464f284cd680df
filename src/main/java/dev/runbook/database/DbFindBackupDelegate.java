package dev.runbook.database;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_FindBackup (db-restore): finds the database backup {@code dbBackupId} of the target and checks its archive
 * against the catalogue's sha256; resolves {@code intoDatabase} (default the target's own database) and writes what
 * the approver needs ({@code dbBackupSummary}, {@code approvalTimeout}). {@code BACKUP_INVALID} for a missing, failed
 * or damaged backup; {@code PRECONDITION_FAILED} for a bad database name.
 */
@Component("dbFindBackupDelegate")
@StepErrors({
    BpmnErrors.BACKUP_INVALID,
    BpmnErrors.PRECONDITION_FAILED,
    BpmnErrors.BACKUP_FAILED,
    BpmnErrors.VERIFICATION_FAILED,
    BpmnErrors.COMMAND_FAILED
})
class DbFindBackupDelegate extends RunbookDelegate {

    private final DbBackups backups;
    private final DbBackupCatalogue catalogue;
    private final DatabaseTargets databases;

    DbFindBackupDelegate(
            TargetRegistry targets,
            Redactor redactor,
            DbBackups backups,
            DbBackupCatalogue catalogue,
            DatabaseTargets databases) {
        super(targets, redactor);
        this.backups = backups;
        this.catalogue = catalogue;
        this.databases = databases;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        String into = vars.string(ProcessVariables.INTO_DATABASE);
        if (into == null || into.isBlank()) {
            into = databases.get(vars.target()).uri().database();
        } else if (!DatabaseUri.DATABASE_NAME.matcher(into).matches()) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "invalid database name '" + into + "': letters, digits, '_' and '-' only");
        }
        DbBackup backup = backups.requireIntact(vars.target(), vars.required(ProcessVariables.DB_BACKUP_ID), log);
        Map<String, Long> counts = catalogue.counts(backup);
        String summary = backup.getKind() + " backup " + backup.getId() + " of database " + backup.getDatabaseName()
                + " (" + backup.getScheduleClass() + ", taken " + backup.getCreatedAt() + " by "
                + backup.getCreatedBy() + ", " + counts.size() + " collections/tables, "
                + counts.values().stream().mapToLong(Long::longValue).sum() + " documents/rows, sha256 "
                + backup.getSha256() + ") restored into database " + into + ", replacing what it holds there";
        log.line(summary);
        vars.setAll(Map.of(
                ProcessVariables.INTO_DATABASE,
                into,
                ProcessVariables.DB_BACKUP_SUMMARY,
                summary,
                ProcessVariables.APPROVAL_TIMEOUT,
                target.approval().timeout().toString(),
                ProcessVariables.APPROVAL_GROUP,
                target.approval().group()));
    }
}

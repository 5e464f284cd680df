package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.run.ActiveRuns;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Task_ApplyRetention (db-backup): applies {@code backups.db-keep} per schedule class to the target's database
 * backups, never deleting the newest good one nor one that a running run refers to ({@code dbBackupId},
 * {@code safetyDbBackupId} of a running db-restore or deploy).
 */
@Component("dbRetentionDelegate")
class DbRetentionDelegate extends RunbookDelegate {

    private final DbBackupCatalogue catalogue;
    private final ActiveRuns runs;

    DbRetentionDelegate(TargetRegistry targets, Redactor redactor, DbBackupCatalogue catalogue, ActiveRuns runs) {
        super(targets, redactor);
        this.catalogue = catalogue;
        this.runs = runs;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Set<String> inUse = runs.valuesOf(ProcessVariables.DB_BACKUP_ID, ProcessVariables.SAFETY_DB_BACKUP_ID);
        List<String> deleted = catalogue.applyRetention(vars.target(), inUse, log);
        log.line("retention: " + deleted.size() + " backup(s) deleted");
    }
}

package dev.runbook.database;

import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.config.TargetRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.VariableInstance;
import org.springframework.stereotype.Component;

/**
 * Task_ApplyRetention (db-backup): applies {@code backups.db-keep} per schedule class to the target's database
 * backups, never deleting the newest good one nor one that a running run refers to ({@code dbBackupId},
 * {@code safetyDbBackupId} of a running db-restore or deploy).
 */
@Component("dbRetentionDelegate")
class DbRetentionDelegate extends RunbookDelegate {

    private final DbBackupCatalogue catalogue;
    private final RuntimeService runtime;

    DbRetentionDelegate(TargetRegistry targets, Redactor redactor, DbBackupCatalogue catalogue,
            RuntimeService runtime) {
        super(targets, redactor);
        this.catalogue = catalogue;
        this.runtime = runtime;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Set<String> inUse = new HashSet<>();
        for (VariableInstance variable : runtime.createVariableInstanceQuery().variableNameIn(
                ProcessVariables.DB_BACKUP_ID, ProcessVariables.SAFETY_DB_BACKUP_ID).list()) {
            if (variable.getValue() != null) {
                inUse.add(variable.getValue().toString());
            }
        }
        List<String> deleted = catalogue.applyRetention(vars.target(), inUse, log);
        log.line("retention: " + deleted.size() + " backup(s) deleted");
    }
}

package dev.runbook.database;

import dev.runbook.alert.Alerts;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunOutcome;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.config.TargetRegistry;
import org.springframework.stereotype.Component;

/**
 * Task_ReportBackupFailure (db-backup, error event subprocess): makes sure the catalogue entry of the failed backup is
 * {@code FAILED} (no archive left), sets {@code runOutcome} to {@code FAILED} and raises an alert with the failure.
 */
@Component("dbBackupFailureDelegate")
class DbBackupFailureDelegate extends RunbookDelegate {

    private final DbBackupCatalogue catalogue;
    private final Alerts alerts;

    DbBackupFailureDelegate(TargetRegistry targets, Redactor redactor, DbBackupCatalogue catalogue, Alerts alerts) {
        super(targets, redactor);
        this.catalogue = catalogue;
        this.alerts = alerts;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String failure = vars.string(ProcessVariables.FAILURE_CODE) + ": "
                + vars.string(ProcessVariables.FAILURE_MESSAGE);
        String backupId = vars.string(ProcessVariables.DB_BACKUP_ID);
        if (backupId != null) {
            catalogue.find(vars.target(), backupId).filter(b -> DbBackup.RUNNING.equals(b.getStatus()))
                    .ifPresent(b -> catalogue.markBad(b, DbBackup.FAILED, failure));
        }
        vars.set(ProcessVariables.RUN_OUTCOME, RunOutcome.FAILED.name());
        alerts.raise(vars.target(), vars.runId(), "database backup failed", failure);
        log.line("backup FAILED, alert raised: " + failure);
    }
}

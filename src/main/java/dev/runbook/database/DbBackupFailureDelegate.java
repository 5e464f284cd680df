package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.notify.Notification;
import dev.runbook.notify.NotificationProperties;
import dev.runbook.notify.TargetNotifier;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunOutcome;
import dev.runbook.process.RunbookDelegate;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Task_ReportBackupFailure (db-backup, error event subprocess): makes sure the catalogue entry of the failed backup is
 * {@code FAILED} (no archive left), sets {@code runOutcome} to {@code FAILED} and raises the alert: an ERROR line on
 * the {@code dev.runbook.alert} logger and one {@code BACKUP_FAILED} notification, sent now (after this step commits)
 * because the run stays open until a good backup exists; its end sends nothing more.
 */
@Component("dbBackupFailureDelegate")
class DbBackupFailureDelegate extends RunbookDelegate {

    private final DbBackupCatalogue catalogue;
    private static final Logger ALERT_LOG = LoggerFactory.getLogger("dev.runbook.alert");

    private final Redactor redactor;
    private final TargetNotifier notifier;
    private final NotificationProperties notifications;

    DbBackupFailureDelegate(
            TargetRegistry targets,
            Redactor redactor,
            DbBackupCatalogue catalogue,
            TargetNotifier notifier,
            NotificationProperties notifications) {
        super(targets, redactor);
        this.catalogue = catalogue;
        this.redactor = redactor;
        this.notifier = notifier;
        this.notifications = notifications;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String failure =
                vars.string(ProcessVariables.FAILURE_CODE) + ": " + vars.string(ProcessVariables.FAILURE_MESSAGE);
        String backupId = vars.string(ProcessVariables.DB_BACKUP_ID);
        if (backupId != null) {
            catalogue
                    .find(vars.target(), backupId)
                    .filter(b -> DbBackup.RUNNING.equals(b.getStatus()))
                    .ifPresent(b -> catalogue.markBad(b, DbBackup.FAILED, failure));
        }
        vars.set(ProcessVariables.RUN_OUTCOME, RunOutcome.FAILED.name());
        String safeFailure = redactor.redact(failure);
        ALERT_LOG.error("ALERT target={} run={}: database backup failed: {}", vars.target(), vars.runId(), safeFailure);
        String url = notifications.link("/runs/" + vars.runId());
        notifier.notify(new Notification.BackupFailed(
                vars.target(),
                vars.runId(),
                "db-backup",
                Instant.now(),
                "Database backup failed on " + vars.target() + ": " + vars.string(ProcessVariables.FAILURE_CODE)
                        + " at " + vars.string(ProcessVariables.FAILED_STEP) + " — "
                        + vars.string(ProcessVariables.FAILURE_MESSAGE) + ". " + url,
                RunOutcome.FAILED.name(),
                url,
                vars.string(ProcessVariables.FAILURE_CODE)));
        log.line("backup FAILED, alert raised: " + failure);
    }
}

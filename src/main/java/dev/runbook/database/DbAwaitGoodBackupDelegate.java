package dev.runbook.database;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.run.ActiveRuns;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * Task_AwaitGoodBackup (db-backup, after a failure): keeps the failed run open as an incident in Cockpit until the
 * target has a good database backup taken after this run started. Each attempt looks in the catalogue; while there is
 * none it fails (a technical fault, so the job's retries run out and the incident stays). An operator fixes the cause,
 * takes a backup and retries the job; the run then ends {@code FAILED}.
 */
@Component("dbAwaitGoodBackupDelegate")
class DbAwaitGoodBackupDelegate extends RunbookDelegate {

    private final DbBackupCatalogue catalogue;
    private final ActiveRuns runs;

    DbAwaitGoodBackupDelegate(TargetRegistry targets, Redactor redactor, DbBackupCatalogue catalogue, ActiveRuns runs) {
        super(targets, redactor);
        this.catalogue = catalogue;
        this.runs = runs;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Instant started = runs.startedAt(vars.runId()).orElse(Instant.EPOCH);
        catalogue
                .newestGoodSince(vars.target(), started)
                .ifPresentOrElse(
                        good -> log.line(
                                "good backup " + good.getId() + " taken since this run failed; closing the run"),
                        () -> {
                            throw new BackupMissingException("database backup of " + vars.target() + " failed ("
                                    + vars.string(ProcessVariables.FAILURE_MESSAGE) + "). Fix the cause, take a backup "
                                    + "(POST /api/targets/" + vars.target()
                                    + "/db-backups), then retry this job to close the"
                                    + " run.");
                        });
    }

    /** The target still has no good backup since the failure: the incident's message. */
    static class BackupMissingException extends RuntimeException {
        BackupMissingException(String message) {
            super(message);
        }
    }
}

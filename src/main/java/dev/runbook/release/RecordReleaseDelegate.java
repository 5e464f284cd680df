package dev.runbook.release;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepPreview;
import dev.runbook.run.ActiveRuns;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Task_RecordRelease: writes the deployed release to {@code release_record} (its ref is {@code gitRef}, or the
 * commit SHA for a rollback) and applies the target's release backup
 * retention ({@code backups.keep}), never deleting a backup that a running run refers to ({@code backupId}).
 */
@Component("recordReleaseDelegate")
class RecordReleaseDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseRecordRepository releases;
    private final ReleaseBackupStore backups;
    private final ActiveRuns runs;

    RecordReleaseDelegate(
            TargetRegistry targets,
            Redactor redactor,
            ReleaseRecordRepository releases,
            ReleaseBackupStore backups,
            ActiveRuns runs) {
        super(targets, redactor);
        this.releases = releases;
        this.backups = backups;
        this.runs = runs;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        String ref = vars.gitRef() == null ? vars.targetCommit() : vars.gitRef();
        releases.save(new ReleaseRecord(
                vars.target(),
                vars.targetCommit(),
                ref,
                vars.components() == null ? "all" : vars.components(),
                vars.runId(),
                vars.requestedBy(),
                vars.string(ProcessVariables.APPROVED_BY),
                vars.backupId(),
                Instant.now()));
        log.line("recorded release " + vars.targetCommit() + " of " + vars.target());
        Set<String> inUse = new HashSet<>(runs.valuesOf(ProcessVariables.BACKUP_ID));
        inUse.add(vars.backupId());
        backups.applyRetention(vars.target(), target.backups().keep(), inUse, log);
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("records the release; keeps the newest "
                + release.target().backups().keep() + " release backups");
    }
}

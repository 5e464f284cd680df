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
 * Task_RecordRelease: writes the release that now serves to {@code release_record} (its ref is {@code gitRef}, or
 * the commit SHA for a rollback; its {@code backup_id} column holds the release id) and applies the target's release
 * retention ({@code releases.keep}, {@code releases.max-bytes}), never removing a release that serves, served last or
 * that a running run refers to ({@code releaseId}, {@code previousReleaseId}).
 */
@Component("recordReleaseDelegate")
class RecordReleaseDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseRecordRepository releases;
    private final ReleaseDirectories directories;
    private final ActiveRuns runs;

    RecordReleaseDelegate(
            TargetRegistry targets,
            Redactor redactor,
            ReleaseRecordRepository releases,
            ReleaseDirectories directories,
            ActiveRuns runs) {
        super(targets, redactor);
        this.releases = releases;
        this.directories = directories;
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
                vars.releaseId(),
                Instant.now()));
        log.line("recorded release " + vars.releaseId() + " (" + vars.targetCommit() + ") of " + vars.target());
        if (!target.hosts().isEmpty()) {
            // the platform's view of the root is not the hosts' disks: it has nothing of theirs to prune
            log.line("release directories on the hosts " + target.hosts() + " are kept (no retention on hosts yet)");
            return;
        }
        Set<String> inUse = new HashSet<>(runs.valuesOf(ProcessVariables.RELEASE_ID));
        inUse.addAll(runs.valuesOf(ProcessVariables.PREVIOUS_RELEASE_ID));
        inUse.add(vars.releaseId());
        directories.prune(
                target.layout(), target.releases().keep(), target.releases().maxBytes(), inUse, log);
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("records the release; keeps the newest "
                + release.target().releases().keep() + " release directories (never the serving one or the one "
                + "before it)"
                + (release.target().releases().maxBytes() == null
                        ? ""
                        : " within releases.max-bytes "
                                + release.target().releases().maxBytes()));
    }
}

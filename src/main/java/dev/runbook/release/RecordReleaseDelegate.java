package dev.runbook.release;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepPreview;
import dev.runbook.run.ActiveRuns;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * Task_RecordRelease: writes the release that now serves to {@code release_record} (its ref is {@code gitRef}, or
 * the commit SHA for a rollback; its {@code backup_id} column holds the release id) and the releases that running runs
 * refer to ({@code releaseId}, {@code previousReleaseId}) as {@code releasesInUse}, which each host's
 * {@link PruneReleasesDelegate prune step} spares.
 */
@Component("recordReleaseDelegate")
class RecordReleaseDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseRecordRepository releases;
    private final ActiveRuns runs;

    RecordReleaseDelegate(
            TargetRegistry targets, Redactor redactor, ReleaseRecordRepository releases, ActiveRuns runs) {
        super(targets, redactor);
        this.releases = releases;
        this.runs = runs;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
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
        // what no host may prune: the releases of this and every other running run of the platform; each host's
        // prune step (after this one) reads it, as an agent cannot ask the engine
        Set<String> inUse = new TreeSet<>();
        Stream.of(
                        runs.valuesOf(ProcessVariables.RELEASE_ID),
                        runs.valuesOf(ProcessVariables.PREVIOUS_RELEASE_ID),
                        List.of(vars.releaseId()))
                .flatMap(java.util.Collection::stream)
                .filter(Objects::nonNull)
                .forEach(inUse::add);
        vars.set(ProcessVariables.RELEASES_IN_USE, String.join(",", inUse));
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("records the release and which releases running runs refer to (no host prunes those)");
    }
}

package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepPreview;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Task_PruneReleases, on each host after the release is recorded: applies the target's release retention
 * ({@code releases.keep}, {@code releases.max-bytes}) to the host's own release directories, never removing a release
 * that serves, served last, is pinned, or that a running run refers to ({@code releasesInUse}, written by the record
 * step, with this run's {@code releaseId} and {@code previousReleaseId}). The release is deployed by now: a prune that
 * cannot finish says so in its log and leaves the rest for the next deploy, it does not fail the run.
 */
@Component("pruneReleasesDelegate")
class PruneReleasesDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseDirectories directories;

    PruneReleasesDelegate(TargetRegistry targets, Redactor redactor, ReleaseDirectories directories) {
        super(targets, redactor);
        this.directories = directories;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        ReleaseLayout layout = target.layout();
        Set<String> inUse = new HashSet<>();
        String listed = vars.string(ProcessVariables.RELEASES_IN_USE);
        if (listed != null && !listed.isBlank()) {
            inUse.addAll(Arrays.asList(listed.split(",")));
        }
        inUse.add(vars.releaseId());
        if (vars.previousReleaseId() != null) {
            inUse.add(vars.previousReleaseId());
        }
        try {
            directories.prune(
                    layout, target.releases().keep(), target.releases().maxBytes(), inUse, log);
        } catch (RuntimeException e) {
            log.line("retention could not finish (" + e.getMessage() + "): the next deploy prunes again");
        }
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("keeps the newest " + release.target().releases().keep()
                + " release directories on each host (never the serving one or the one before it)"
                + (release.target().releases().maxBytes() == null
                        ? ""
                        : " within releases.max-bytes "
                                + release.target().releases().maxBytes()));
    }
}

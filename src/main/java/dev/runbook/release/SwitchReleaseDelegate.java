package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.EcosystemFiles;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_SwitchRelease: points {@code current} at release {@code releaseId} with one atomic rename
 * ({@link ReleaseLayout#switchTo}). Refuses ({@code PRECONDITION_FAILED}) when {@code current} no longer points at
 * {@code previousReleaseId}, what served when the run was requested. A retry after a crash that had switched already
 * finds {@code current} at {@code releaseId} and does nothing. From here on the apps run the new release at their next
 * (re)start; the reload follows.
 */
@Component("switchReleaseDelegate")
@StepErrors(BpmnErrors.PRECONDITION_FAILED)
class SwitchReleaseDelegate extends RunbookDelegate implements StepPreview {

    SwitchReleaseDelegate(TargetRegistry targets, Redactor redactor) {
        super(targets, redactor);
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        ReleaseLayout layout = targets.get(vars.target()).layout();
        String id = vars.releaseId();
        String serving = layout.currentId().orElse(null);
        if (id.equals(serving)) {
            log.line("current already points at release " + id);
            return;
        }
        if (!java.nio.file.Files.isDirectory(layout.release(id))) {
            // a rollback to a release this host's retention has pruned (or that it never had)
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "there is no release " + id + " under " + layout.releases() + " on this host (pruned by its"
                            + " retention, or never made here); not switching");
        }
        List<String> refusals = EcosystemFiles.refusals(
                vars.target(),
                TargetRegistry.select(targets.get(vars.target()), vars.components()),
                EcosystemFiles.directory(layout.release(id)));
        if (!refusals.isEmpty()) {
            // a rollback to a release made for other components (on a host, the platform could not look): its reload
            // would reload nothing and the release switched from would go on serving, unseen
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "release " + id + " cannot serve on this host: " + String.join("; ", refusals) + "; not switching");
        }
        if (!Objects.equals(serving, vars.previousReleaseId())) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "current points at " + serving + ", not " + vars.previousReleaseId()
                            + " as when this run was requested: someone else switched the target; not switching");
        }
        layout.switchTo(id);
        log.line("switched " + layout.current() + " from " + (serving == null ? "nothing" : serving) + " to " + id);
    }

    @Override
    public Optional<Preview> preview(Release release) {
        String to = release.releaseId() == null ? "the new release" : "release " + release.releaseId();
        return Preview.note("switches " + release.target().layout().current() + " to " + to + " (one atomic "
                + "rename); undone by switching back");
    }
}

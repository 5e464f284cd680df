package dev.runbook.release;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation handler of Task_PrepareRelease: removes the new release directory {@code releaseId} (it never served,
 * or it was switched away from before this runs). Nothing else of the target is touched.
 */
@Component("discardReleaseDelegate")
class DiscardReleaseDelegate extends RunbookDelegate {

    private final ReleaseDirectories directories;

    DiscardReleaseDelegate(TargetRegistry targets, Redactor redactor, ReleaseDirectories directories) {
        super(targets, redactor);
        this.directories = directories;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        directories.discard(targets.get(vars.target()).layout(), vars.releaseId(), log);
    }
}

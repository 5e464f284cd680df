package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import org.springframework.stereotype.Component;

/**
 * Task_BackupRelease of the {@code backup} runbook: with release directories a release is its own backup, so a backup
 * pins the serving release against retention and writes its id to {@code backupId} (a rollback accepts it as
 * {@code releaseId}). {@code BACKUP_FAILED} when nothing serves yet.
 */
@Component("pinReleaseDelegate")
@StepErrors(BpmnErrors.BACKUP_FAILED)
class PinReleaseDelegate extends RunbookDelegate {

    private final ReleaseDirectories directories;

    PinReleaseDelegate(TargetRegistry targets, Redactor redactor, ReleaseDirectories directories) {
        super(targets, redactor);
        this.directories = directories;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        ReleaseLayout layout = targets.get(vars.target()).layout();
        String serving = layout.currentId()
                .orElseThrow(() -> new StepFailedException(
                        BpmnErrors.BACKUP_FAILED,
                        "target " + vars.target() + " has no release serving yet: nothing to keep"));
        directories.pin(layout, serving, log);
        vars.set(ProcessVariables.BACKUP_ID, serving);
    }
}

package dev.runbook.release;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepPreview;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Compensation handler of Task_InstallAndBuild: puts the selected components' artifacts (dist, node_modules ...)
 * back from the release backup {@code backupId}. No install, no build.
 */
@Component("restoreArtifactsDelegate")
class RestoreArtifactsDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseBackupStore backups;

    RestoreArtifactsDelegate(TargetRegistry targets, Redactor redactor, ReleaseBackupStore backups) {
        super(targets, redactor);
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        backups.restoreArtifacts(
                vars.target(), target, TargetRegistry.select(target, vars.components()), vars.backupId(), log);
    }

    @Override
    public Optional<Preview> preview(Release release) {
        return Preview.note("restores " + ReleaseBackupStore.describeArtifacts(release.components())
                + " from release backup " + release.backupId() + " (no install, no build)");
    }
}

package dev.runbook.npm;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepPreview;
import dev.runbook.release.ReleaseBackupStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_InstallAndBuild: for each selected component, checks the lock file, then runs its install and build commands.
 * When any of them fails, the artifacts of the selected components are restored from the release backup
 * ({@code backupId}) before the step fails, so the failed step leaves no change behind.
 */
@Component("installAndBuildDelegate")
@StepErrors({BpmnErrors.COMMAND_FAILED, BpmnErrors.PRECONDITION_FAILED})
class InstallAndBuildDelegate extends RunbookDelegate implements StepPreview {

    private final NpmClient npm;
    private final ReleaseBackupStore backups;

    InstallAndBuildDelegate(TargetRegistry targets, Redactor redactor, NpmClient npm, ReleaseBackupStore backups) {
        super(targets, redactor);
        this.npm = npm;
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        Map<String, ComponentSpec> components = TargetRegistry.select(target, vars.components());
        for (ComponentSpec component : components.values()) {
            npm.checkLockFile(ReleaseBackupStore.componentDir(target, component), component);
        }
        try {
            for (Map.Entry<String, ComponentSpec> entry : components.entrySet()) {
                log.line("component " + entry.getKey() + ": install and build");
                npm.install(ReleaseBackupStore.componentDir(target, entry.getValue()), entry.getValue(), log);
                npm.build(ReleaseBackupStore.componentDir(target, entry.getValue()), entry.getValue(), log);
            }
        } catch (RuntimeException e) {
            log.line("install or build failed: restoring artifacts from release backup " + vars.backupId());
            backups.restoreArtifacts(vars.target(), target, components, vars.backupId(), log);
            throw e;
        }
    }

    /** Each selected component's install and build command, in component order, as {@link NpmClient} builds them. */
    @Override
    public Optional<Preview> preview(Release release) {
        List<PlannedCommand> commands = new ArrayList<>();
        release.components().values().forEach(component -> {
            Path dir = ReleaseBackupStore.componentDir(release.target(), component);
            commands.add(PlannedCommand.of(npm.installCommand(dir, component)));
            commands.add(PlannedCommand.of(npm.buildCommand(dir, component)));
        });
        return Optional.of(new Preview(commands, null));
    }
}

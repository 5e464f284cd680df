package dev.runbook.pm2;

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
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_Pm2Reload: sets {@code appsReloaded} (from now on PM2 may run the new release), then start-or-reload of each
 * selected component's PM2 app from its ecosystem file with the target's env, one after the other, judged together
 * by the PM2 process list over one stability window. The undo path's reload is {@link Pm2ReloadPreviousDelegate}.
 */
@Component("pm2ReloadDelegate")
@StepErrors({BpmnErrors.COMMAND_FAILED, BpmnErrors.HEALTH_CHECK_FAILED})
class Pm2ReloadDelegate extends RunbookDelegate implements StepPreview {

    private final Pm2Client pm2;

    Pm2ReloadDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        vars.set(ProcessVariables.APPS_RELOADED, true);
        pm2.startOrReload(
                apps(target, vars.components()), target.env(), target.health().stabilityWindow(), log);
    }

    /** The PM2 apps of the selected components, in the target's component order. */
    static List<Pm2Client.App> apps(Target target, String components) {
        return TargetRegistry.select(target, components).values().stream()
                .map(component -> new Pm2Client.App(
                        target.workdir().resolve(component.ecosystem()).normalize(), component.pm2App()))
                .toList();
    }

    /** Each selected component's {@code pm2 startOrReload}, as {@link Pm2Client#startOrReloadCommand} builds it. */
    @Override
    public Optional<Preview> preview(Release release) {
        Target target = release.target();
        List<PlannedCommand> commands = release.components().values().stream()
                .map(component -> PlannedCommand.of(pm2.startOrReloadCommand(
                        target.workdir().resolve(component.ecosystem()).normalize(), component.pm2App(), target.env())))
                .toList();
        return Optional.of(new Preview(
                commands,
                "then each app must stay online for "
                        + target.health().stabilityWindow().toMillis() + " ms"));
    }
}

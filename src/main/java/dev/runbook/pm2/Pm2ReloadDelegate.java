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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_Pm2Reload: sets {@code appsReloaded} (from now on PM2 may run the new release), then start-or-reload of each
 * selected component's PM2 app from its ecosystem file with the target's env, one after the other; each must then be
 * listed and online. It records {@code reloadBaseline} ({@link Pm2Baseline}) for the health check that follows, which
 * watches the apps until they have answered and stayed up (a slow boot must not use up the stability window here).
 * The undo path's reload is {@link Pm2ReloadPreviousDelegate}.
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
        reload(pm2, apps(target, vars.components()), target, vars, log);
    }

    /** Start-or-reload of {@code apps}, then {@code reloadBaseline} for the health check that follows. */
    static void reload(Pm2Client pm2, List<Pm2Client.App> apps, Target target, ProcessVariables vars, StepLog log) {
        Instant reloadedAt = Instant.now();
        List<Pm2Process> reloaded = pm2.startOrReload(apps, target.env(), log);
        vars.set(
                ProcessVariables.RELOAD_BASELINE,
                Pm2Baseline.of(reloadedAt, reloaded).toJson());
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
        return Optional.of(new Preview(commands, "then each app must be listed online by pm2"));
    }
}

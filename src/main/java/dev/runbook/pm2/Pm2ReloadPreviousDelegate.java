package dev.runbook.pm2;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import java.nio.file.Files;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Task_ReloadPreviousRelease, after the compensation switched {@code current} back: the same start-or-reload as
 * {@link Pm2ReloadDelegate}, but only when {@code appsReloaded} is set. When no release served before the run, the
 * apps are started again from the in-place checkout being adopted ({@code workdir}), or removed from PM2 when there is
 * none. A run that failed before its reload (a failed
 * build, say) never touched the running apps, which still serve the previous release from memory, and a reload
 * would only restart them (in fork mode a moment without an answer); the health check of the previous release that
 * follows still checks them.
 */
@Component("pm2ReloadPreviousDelegate")
@StepErrors({BpmnErrors.COMMAND_FAILED, BpmnErrors.HEALTH_CHECK_FAILED})
class Pm2ReloadPreviousDelegate extends RunbookDelegate {

    private final Pm2Client pm2;

    Pm2ReloadPreviousDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        if (!Boolean.parseBoolean(vars.string(ProcessVariables.APPS_RELOADED))) {
            log.line("this run never reloaded the apps: they still run the previous release; not restarting them");
            return;
        }
        Target target = targets.get(vars.target());
        if (vars.previousReleaseId() != null) {
            pm2.startOrReload(
                    Pm2ReloadDelegate.apps(target, vars.components()),
                    target.env(),
                    target.health().stabilityWindow(),
                    log);
            return;
        }
        if (target.workdir() != null && Files.exists(target.workdir().resolve(".git"))) {
            log.line("before this run the apps ran from the in-place checkout " + target.workdir()
                    + ": starting them from there again");
            List<Pm2Client.App> apps = TargetRegistry.select(target, vars.components()).values().stream()
                    .map(component -> new Pm2Client.App(
                            target.workdir().resolve(component.ecosystem()).normalize(),
                            component.pm2App(),
                            target.workdir().resolve(component.dir()).normalize()))
                    .toList();
            pm2.restartFresh(apps, target.env(), target.health().stabilityWindow(), log);
            return;
        }
        log.line("no release served before this run: stopping its apps");
        for (Pm2Client.App app : Pm2ReloadDelegate.apps(target, vars.components())) {
            pm2.delete(app.name(), target.root(), log);
        }
    }
}

package dev.runbook.pm2;

import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.target.RunbookProperties.Component;
import dev.runbook.target.RunbookProperties.Target;
import dev.runbook.target.TargetRegistry;

/**
 * Task_Pm2Reload and Task_ReloadPreviousRelease: start-or-reload of each selected component's PM2 app from its
 * ecosystem file with the target's env, judged by the PM2 process list over the stability window.
 */
@org.springframework.stereotype.Component("pm2ReloadDelegate")
class Pm2ReloadDelegate extends RunbookDelegate {

    private final Pm2Client pm2;

    Pm2ReloadDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        for (Component component : TargetRegistry.select(target, vars.components()).values()) {
            pm2.startOrReload(target.workdir().resolve(component.ecosystem()).normalize(), component.pm2App(),
                    target.env(), target.health().stabilityWindow(), log);
        }
    }
}

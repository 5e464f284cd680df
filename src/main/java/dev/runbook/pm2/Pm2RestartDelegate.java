package dev.runbook.pm2;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Task_RestartApps (restart runbook): fails PRECONDITION_FAILED when no release serves; each selected component's PM2 app restarted with its environment read afresh
 * from the ecosystem file and the target's env (see {@link Pm2Client#restartFresh}); no code change. Records
 * {@code reloadBaseline} for the health check that follows, as {@link Pm2ReloadDelegate} does; that check saves the
 * process list once the apps are verified ({@code pm2 save}; a failure is a warning: see
 * {@link Pm2Client#saveAfterChange}).
 */
@Component("pm2RestartDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED, BpmnErrors.HEALTH_CHECK_FAILED})
class Pm2RestartDelegate extends RunbookDelegate {

    private final Pm2Client pm2;

    Pm2RestartDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        ServiceControlDelegate.requireServing(target, vars.target());
        Pm2ReloadDelegate.polling(pm2, target, vars, log, () -> {
            Instant restartedAt = Instant.now();
            List<Pm2Process> restarted =
                    pm2.restartFresh(Pm2ReloadDelegate.apps(target, vars.components()), target.env(), log);
            return Pm2Baseline.fresh(restartedAt, restarted);
        });
    }
}

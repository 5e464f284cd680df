package dev.runbook.pm2;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
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
 * Task_ControlService (service-control runbook): {@code action} (start, stop, restart, reload) on the PM2 app
 * {@code app} of the target, or on every app of the target when {@code app} is {@code all}
 * (see {@link Pm2Client#control}); when no release serves, a
 * stop has nothing to do and the other actions fail PRECONDITION_FAILED.
 */
@Component("serviceControlDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED, BpmnErrors.HEALTH_CHECK_FAILED})
class ServiceControlDelegate extends RunbookDelegate {

    private final Pm2Client pm2;

    ServiceControlDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        String app = vars.required(ProcessVariables.APP);
        String action = vars.required(ProcessVariables.ACTION);
        if ("stop".equals(action) && target.layout().currentId().isEmpty()) {
            log.line("no release serves on " + vars.target() + ": nothing to stop");
            return;
        }
        requireServing(target, vars.target());
        for (ComponentSpec component : target.components().values()) {
            if ("all".equals(app) || component.pm2App().equals(app)) {
                pm2.control(
                        action,
                        Pm2ReloadDelegate.app(target, component),
                        target.env(),
                        target.health().stabilityWindow(),
                        log);
            }
        }
    }

    /**
     * A step that runs PM2 in the serving release fails PRECONDITION_FAILED when none serves: PM2 would be started in
     * a directory that does not exist, an incident naming the tool instead of the cause.
     */
    static void requireServing(Target target, String name) {
        if (target.layout().currentId().isEmpty()) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "target " + name + " has no release serving (no "
                            + target.layout().current() + "): deploy it first");
        }
    }
}

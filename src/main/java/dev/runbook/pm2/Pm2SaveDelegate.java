package dev.runbook.pm2;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import org.springframework.stereotype.Component;

/** Task_SaveProcessList: {@code pm2 save}, so that a reboot ({@code pm2 resurrect}) brings back the right apps. */
@Component("pm2SaveDelegate")
@StepErrors(BpmnErrors.COMMAND_FAILED)
class Pm2SaveDelegate extends RunbookDelegate {

    private final Pm2Client pm2;

    Pm2SaveDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        pm2.save(targets.get(vars.target()).root(), log);
    }
}

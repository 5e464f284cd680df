package dev.runbook.git;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import org.springframework.stereotype.Component;

/** Compensation handler of Task_GitCheckout: checks out {@code previousCommit} detached. */
@Component("gitUndoCheckoutDelegate")
@StepErrors(BpmnErrors.COMMAND_FAILED)
class GitUndoCheckoutDelegate extends RunbookDelegate {

    private final GitClient git;

    GitUndoCheckoutDelegate(TargetRegistry targets, Redactor redactor, GitClient git) {
        super(targets, redactor);
        this.git = git;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        git.checkout(targets.get(vars.target()).workdir(), vars.previousCommit(), log);
    }
}

package dev.runbook.git;

import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import org.springframework.stereotype.Component;

/**
 * Task_GitCheckout: checks out {@code targetCommit} detached. If the checkout fails half-way it checks out
 * {@code previousCommit} again before failing, so the failed step leaves no change behind (compensation only undoes
 * completed steps).
 */
@Component("gitCheckoutDelegate")
class GitCheckoutDelegate extends RunbookDelegate {

    private final GitClient git;

    GitCheckoutDelegate(TargetRegistry targets, Redactor redactor, GitClient git) {
        super(targets, redactor);
        this.git = git;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        try {
            git.checkout(target.workdir(), vars.targetCommit(), log);
        } catch (CommandFailedException e) {
            git.checkout(target.workdir(), vars.previousCommit(), log);
            throw e;
        }
    }
}

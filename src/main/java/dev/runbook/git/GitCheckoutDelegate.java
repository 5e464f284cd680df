package dev.runbook.git;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandFailedException;
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
 * Task_GitCheckout: checks out {@code targetCommit} detached. If the checkout fails half-way it checks out
 * {@code previousCommit} again before failing, so the failed step leaves no change behind (compensation only undoes
 * completed steps).
 */
@Component("gitCheckoutDelegate")
@StepErrors(BpmnErrors.COMMAND_FAILED)
class GitCheckoutDelegate extends RunbookDelegate implements StepPreview {

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

    /** {@code git checkout --detach --force <toCommit>} in the work dir, built by {@link GitClient#checkoutCommand}. */
    @Override
    public Optional<Preview> preview(Release release) {
        return Optional.of(new Preview(
                List.of(PlannedCommand.of(git.checkoutCommand(release.target().workdir(), release.toCommit()))), null));
    }
}

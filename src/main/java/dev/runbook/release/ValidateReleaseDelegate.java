package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.ApprovalContext;
import dev.runbook.git.ApprovalContext.Direction;
import dev.runbook.pm2.EcosystemFiles;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_ValidateRelease (rollback runbook): finds release {@code releaseId} of the target (a finished release
 * directory that does not serve now; on a target with hosts, a release it recorded, see {@link ReleaseHistory}) and sets {@code targetCommit} (its commit), {@code previousReleaseId} and
 * {@code previousCommit} (what serves), {@code components} (all: a release directory holds every component), the
 * {@link ApprovalContext approval context} (the commits the rollback takes away) and the approval policy.
 * {@code PRECONDITION_FAILED} when the release is missing, unfinished or serves already, or has an ecosystem file PM2
 * cannot load ({@link EcosystemFiles}: an ES module, whose reload would reload nothing).
 */
@Component("validateReleaseDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED})
class ValidateReleaseDelegate extends RunbookDelegate {

    private final ReleaseHistory history;
    private final ApprovalContext context;

    ValidateReleaseDelegate(
            TargetRegistry targets, Redactor redactor, ReleaseHistory history, ApprovalContext context) {
        super(targets, redactor);
        this.history = history;
        this.context = context;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        ReleaseLayout layout = target.layout();
        String id = vars.releaseId();
        ReleaseMetadata release = history.release(vars.target(), target, id)
                .orElseThrow(() -> new StepFailedException(
                        BpmnErrors.PRECONDITION_FAILED,
                        "release " + id + " of target " + vars.target() + " does not exist (or was never finished)"));
        String serving = history.serving(vars.target(), target).orElse(null);
        if (id.equals(serving)) {
            throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, "release " + id + " serves already");
        }
        // on hosts with their own disks the release directory is each host's: its switch step checks it is there
        List<String> refusals = target.hosts().isEmpty()
                ? EcosystemFiles.refusals(
                        vars.target(), target.components(), EcosystemFiles.directory(layout.release(id)))
                : List.of();
        if (!refusals.isEmpty()) {
            // its reload would reload nothing: the release rolled back from would go on serving, unseen
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "release " + id + " cannot be rolled back to: " + String.join("; ", refusals));
        }
        String servingCommit = serving == null
                ? null
                : history.release(vars.target(), target, serving)
                        .map(ReleaseMetadata::commit)
                        .orElse(null);
        log.line("rolling back from " + (serving == null ? "nothing" : "release " + serving) + " to release " + id
                + " (" + release.commit() + "): a switch and a reload, no install, no build");
        Map<String, Object> variables = new HashMap<>(context.describe(
                new Release(vars.target(), target, target.components(), servingCommit, release.commit(), id),
                Direction.BACKWARD,
                vars,
                log));
        variables.put(ProcessVariables.TARGET_COMMIT, release.commit());
        variables.put(ProcessVariables.PREVIOUS_COMMIT, servingCommit);
        variables.put(ProcessVariables.PREVIOUS_RELEASE_ID, serving);
        variables.put(ProcessVariables.COMPONENTS, "all");
        variables.put(ProcessVariables.APPROVAL_REQUIRED, target.approval().required());
        variables.put(
                ProcessVariables.APPROVAL_TIMEOUT, target.approval().timeout().toString());
        variables.put(ProcessVariables.APPROVAL_GROUP, target.approval().group());
        // Tasklist's generated form submits a read-only field whose variable is unset or null, and the engine's
        // read-only check then refuses the decision: with nothing served before, the serving commit is ""
        variables.putIfAbsent(ProcessVariables.PREVIOUS_COMMIT, "");
        variables.replace(ProcessVariables.PREVIOUS_COMMIT, null, "");
        variables.values().removeIf(java.util.Objects::isNull);
        vars.setAll(variables);
    }
}

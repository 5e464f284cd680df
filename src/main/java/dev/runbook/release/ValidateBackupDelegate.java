package dev.runbook.release;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.ApprovalContext;
import dev.runbook.git.ApprovalContext.Direction;
import dev.runbook.git.GitClient;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_ValidateBackup (rollback runbook): finds the release backup {@code backupId} of the target (intact manifest,
 * same target), refuses a dirty work tree, and sets {@code targetCommit} (the backup's commit),
 * {@code previousCommit} (HEAD), {@code components} (those the backup holds), {@code commits} (the commits the
 * rollback takes away, JSON), the rest of the {@link ApprovalContext approval context} and the approval policy.
 * {@code PRECONDITION_FAILED} when anything is off, including a backup that holds no artifacts of a component.
 */
@Component("validateBackupDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED})
class ValidateBackupDelegate extends RunbookDelegate {

    private final ReleaseBackupStore backups;
    private final GitClient git;
    private final ApprovalContext context;

    ValidateBackupDelegate(
            TargetRegistry targets,
            Redactor redactor,
            ReleaseBackupStore backups,
            GitClient git,
            ApprovalContext context) {
        super(targets, redactor);
        this.backups = backups;
        this.git = git;
        this.context = context;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        String backupId = vars.backupId();
        ReleaseManifest manifest = backups.find(vars.target(), backupId)
                .orElseThrow(() -> new StepFailedException(
                        BpmnErrors.PRECONDITION_FAILED,
                        "release backup " + backupId + " of target " + vars.target()
                                + " does not exist or its manifest is damaged"));
        if (!manifest.componentsWithoutArtifacts().isEmpty()) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "release backup " + backupId + " holds no "
                            + "artifacts of " + manifest.componentsWithoutArtifacts()
                            + " (taken before they were built); "
                            + "restoring it would leave them not serving");
        }
        git.requireClean(target.workdir(), log);
        String head = git.head(target.workdir(), log);
        log.line("rolling back from " + head + " to " + manifest.commit() + " (release backup " + backupId + ")");
        String components = String.join(",", manifest.artifacts().keySet());
        Map<String, ComponentSpec> selected;
        try {
            selected = TargetRegistry.select(target, components);
        } catch (IllegalArgumentException e) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "release backup " + backupId + " holds a " + "component the target no longer has: "
                            + e.getMessage());
        }
        Map<String, Object> variables = new HashMap<>(context.describe(
                new Release(vars.target(), target, selected, head, manifest.commit(), backupId),
                Direction.BACKWARD,
                vars,
                log));
        variables.putAll(Map.of(
                ProcessVariables.TARGET_COMMIT, manifest.commit(),
                ProcessVariables.PREVIOUS_COMMIT, head,
                ProcessVariables.COMPONENTS, components,
                ProcessVariables.APPROVAL_REQUIRED, target.approval().required(),
                ProcessVariables.APPROVAL_TIMEOUT, target.approval().timeout().toString()));
        vars.setAll(variables);
    }
}

package dev.runbook.git;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.ApprovalContext.Direction;
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
 * Task_ResolveRelease: fetches the target's remote, refuses a dirty work tree, resolves {@code gitRef} (default: the
 * target's branch) to {@code targetCommit}, reads HEAD into {@code previousCommit}, lists the commits in between
 * and the rest of the {@link ApprovalContext approval context} (commits, changed files, plan ...), sets the approval
 * policy ({@code approvalRequired}, {@code approvalTimeout}) and the database steps of deploy
 * ({@code migrationRequired}: a selected component has a migrate command; {@code databaseBackupRequired}: and the
 * target has a database).
 * Fails fast with {@code PRECONDITION_FAILED}, before any approval or change.
 */
@Component("resolveReleaseDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED})
class ResolveReleaseDelegate extends RunbookDelegate {

    private final GitClient git;
    private final ApprovalContext context;

    ResolveReleaseDelegate(TargetRegistry targets, Redactor redactor, GitClient git, ApprovalContext context) {
        super(targets, redactor);
        this.git = git;
        this.context = context;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        Map<String, RunbookProperties.ComponentSpec> components;
        try {
            components = TargetRegistry.select(target, vars.components());
        } catch (IllegalArgumentException e) {
            throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, e.getMessage());
        }
        String ref = vars.gitRef() == null || vars.gitRef().isBlank() ? target.branch() : vars.gitRef();
        try {
            GitClient.validateRef(ref);
        } catch (IllegalArgumentException e) {
            throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, e.getMessage());
        }
        git.fetch(target.workdir(), target.remote(), log);
        git.requireClean(target.workdir(), log);
        String targetCommit = git.resolve(target.workdir(), target.remote(), ref, log);
        String previousCommit = git.head(target.workdir(), log);
        Map<String, Object> variables = new HashMap<>(context.describe(
                new Release(vars.target(), target, components, previousCommit, targetCommit, null),
                Direction.FORWARD,
                vars,
                log));
        log.line("release " + ref + " = " + targetCommit + ", now serving " + previousCommit + ", "
                + variables.get(ProcessVariables.COMMIT_COUNT) + " new commit(s)");
        boolean migrate = components.values().stream()
                .anyMatch(component -> !component.migrate().isEmpty());
        variables.put(ProcessVariables.MIGRATION_REQUIRED, migrate);
        variables.put(ProcessVariables.DATABASE_BACKUP_REQUIRED, migrate && target.database() != null);
        variables.putAll(Map.of(
                ProcessVariables.GIT_REF, ref,
                ProcessVariables.TARGET_COMMIT, targetCommit,
                ProcessVariables.PREVIOUS_COMMIT, previousCommit,
                ProcessVariables.APPROVAL_REQUIRED, target.approval().required(),
                ProcessVariables.APPROVAL_TIMEOUT, target.approval().timeout().toString()));
        vars.setAll(variables);
    }
}

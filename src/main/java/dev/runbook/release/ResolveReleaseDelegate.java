package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties;
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
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_ResolveRelease: fetches the target's remote into the platform's mirror ({@code <root>/repo}), resolves
 * {@code gitRef} (default: the target's branch) there to {@code targetCommit}, reads what serves
 * ({@code previousReleaseId}, the release {@code current} points at, and its commit {@code previousCommit}; before
 * the first release, the commit of the in-place checkout {@code workdir} being adopted, or none), lists the rest of
 * the {@link ApprovalContext approval context} (commits, changed files, plan ...), sets the approval policy
 * ({@code approvalRequired}, {@code approvalTimeout}) and the database steps of deploy ({@code migrationRequired}: a
 * selected component has a migrate command; {@code databaseBackupRequired}: and the target has a database). Fails
 * fast with {@code PRECONDITION_FAILED}, before any approval or change.
 */
@Component("resolveReleaseDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED})
class ResolveReleaseDelegate extends RunbookDelegate {

    private final GitClient git;
    private final ApprovalContext context;
    private final ReleaseDirectories directories;
    private final ReleaseHistory history;

    ResolveReleaseDelegate(
            TargetRegistry targets,
            Redactor redactor,
            GitClient git,
            ApprovalContext context,
            ReleaseDirectories directories,
            ReleaseHistory history) {
        super(targets, redactor);
        this.git = git;
        this.context = context;
        this.directories = directories;
        this.history = history;
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
        ReleaseLayout layout = target.layout();
        directories.updateMirror(layout, directories.remoteUrl(vars.target(), target, log), log);
        String targetCommit = git.resolve(layout.repository(), "origin", ref, log);
        Optional<String> serving;
        String previousCommit;
        if (target.hosts().isEmpty()) {
            serving = layout.currentId();
            previousCommit = serving.isPresent()
                    ? directories
                            .metadata(layout, serving.get())
                            .map(ReleaseMetadata::commit)
                            .orElse(null)
                    : directories.adoptedCommit(target, log).orElse(null);
        } else {
            // the hosts' disks are theirs: what serves is what the platform last recorded for the target; each
            // host's prepare step checks that it serves just that before it changes anything
            serving = history.serving(vars.target(), target);
            previousCommit = serving.flatMap(id -> history.release(vars.target(), target, id))
                    .map(ReleaseMetadata::commit)
                    .orElse(null);
            log.line("the target's hosts " + target.hosts() + " serve "
                    + serving.map(id -> "release " + id).orElse("no release") + " as last recorded");
        }
        // the new release's id is fixed now, so the plan the approver sees names the directory the run builds in
        String releaseId = ReleaseLayout.newId(java.time.Instant.now(), targetCommit);
        Map<String, Object> variables = new HashMap<>(context.describe(
                new Release(vars.target(), target, components, previousCommit, targetCommit, releaseId),
                Direction.FORWARD,
                vars,
                log));
        log.line("release " + ref + " = " + targetCommit + ", now serving "
                + serving.map(id -> "release " + id)
                        .orElse(previousCommit == null ? "nothing" : "the in-place checkout")
                + (previousCommit == null ? "" : " (" + previousCommit + ")") + ", "
                + variables.get(ProcessVariables.COMMIT_COUNT)
                + (Direction.BACKWARD.name().equals(variables.get(ProcessVariables.COMMIT_DIRECTION))
                        ? " commit(s) taken away (it moves back to an older commit)"
                        : " commit(s) brought"));
        boolean migrate = components.values().stream()
                .anyMatch(component -> !component.migrate().isEmpty());
        variables.put(ProcessVariables.MIGRATION_REQUIRED, migrate);
        variables.put(ProcessVariables.DATABASE_BACKUP_REQUIRED, migrate && target.database() != null);
        variables.put(ProcessVariables.GIT_REF, ref);
        // the approval form shows it read-only, so it must exist: "" for a deploy that is no promotion
        String promotion = vars.string(ProcessVariables.PROMOTION);
        variables.put(ProcessVariables.PROMOTION, promotion == null ? "" : promotion);
        variables.put(ProcessVariables.TARGET_COMMIT, targetCommit);
        variables.put(ProcessVariables.PREVIOUS_COMMIT, previousCommit);
        variables.put(ProcessVariables.PREVIOUS_RELEASE_ID, serving.orElse(null));
        variables.put(ProcessVariables.RELEASE_ID, releaseId);
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

package dev.runbook.git;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient.CommitInfo;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepFailedException;
import dev.runbook.target.RunbookProperties.Target;
import dev.runbook.target.TargetRegistry;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_ResolveRelease: fetches the target's remote, refuses a dirty work tree, resolves {@code gitRef} (default: the
 * target's branch) to {@code targetCommit}, reads HEAD into {@code previousCommit}, lists the commits in between
 * ({@code commits}, JSON, at most 50) and sets the approval policy ({@code approvalRequired}, {@code approvalTimeout})
 * and the database steps of deploy ({@code migrationRequired}: a selected component has a migrate command;
 * {@code databaseBackupRequired}: and the target has a database).
 * Fails fast with {@code PRECONDITION_FAILED}, before any approval or change.
 */
@Component("resolveReleaseDelegate")
class ResolveReleaseDelegate extends RunbookDelegate {

    static final int MAX_COMMITS = 50;

    private final GitClient git;
    private final ObjectMapper json;

    ResolveReleaseDelegate(TargetRegistry targets, Redactor redactor, GitClient git, ObjectMapper json) {
        super(targets, redactor);
        this.git = git;
        this.json = json;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        try {
            TargetRegistry.select(target, vars.components());
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
        List<CommitInfo> commits = git.commitsBetween(target.workdir(), previousCommit, targetCommit, MAX_COMMITS,
                log);
        log.line("release " + ref + " = " + targetCommit + ", now serving " + previousCommit + ", " + commits.size()
                + " new commit(s)");
        boolean migrate = TargetRegistry.select(target, vars.components()).values().stream()
                .anyMatch(component -> !component.migrate().isEmpty());
        vars.setAll(Map.of(
                ProcessVariables.MIGRATION_REQUIRED, migrate,
                ProcessVariables.DATABASE_BACKUP_REQUIRED, migrate && target.database() != null));
        vars.setAll(Map.of(
                ProcessVariables.GIT_REF, ref,
                ProcessVariables.TARGET_COMMIT, targetCommit,
                ProcessVariables.PREVIOUS_COMMIT, previousCommit,
                ProcessVariables.COMMITS, toJson(commits),
                ProcessVariables.APPROVAL_REQUIRED, target.approval().required(),
                ProcessVariables.APPROVAL_TIMEOUT, target.approval().timeout().toString()));
    }

    private String toJson(List<CommitInfo> commits) {
        try {
            return json.writeValueAsString(commits);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

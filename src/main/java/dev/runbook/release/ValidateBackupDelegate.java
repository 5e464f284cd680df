package dev.runbook.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepFailedException;
import dev.runbook.target.RunbookProperties.Target;
import dev.runbook.target.TargetRegistry;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_ValidateBackup (rollback runbook): finds the release backup {@code backupId} of the target (intact manifest,
 * same target), refuses a dirty work tree, and sets {@code targetCommit} (the backup's commit),
 * {@code previousCommit} (HEAD), {@code components} (those the backup holds), {@code commits} (the commits the
 * rollback takes away, JSON) and the approval policy. {@code PRECONDITION_FAILED} when anything is off.
 */
@Component("validateBackupDelegate")
class ValidateBackupDelegate extends RunbookDelegate {

    private final ReleaseBackupStore backups;
    private final GitClient git;
    private final ObjectMapper json;

    ValidateBackupDelegate(TargetRegistry targets, Redactor redactor, ReleaseBackupStore backups, GitClient git,
            ObjectMapper json) {
        super(targets, redactor);
        this.backups = backups;
        this.git = git;
        this.json = json;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        String backupId = vars.backupId();
        ReleaseManifest manifest = backups.find(vars.target(), backupId).orElseThrow(() -> new StepFailedException(
                BpmnErrors.PRECONDITION_FAILED, "release backup " + backupId + " of target " + vars.target()
                        + " does not exist or its manifest is damaged"));
        git.requireClean(target.workdir(), log);
        String head = git.head(target.workdir(), log);
        log.line("rolling back from " + head + " to " + manifest.commit() + " (release backup " + backupId + ")");
        try {
            vars.setAll(Map.of(
                    ProcessVariables.TARGET_COMMIT, manifest.commit(),
                    ProcessVariables.PREVIOUS_COMMIT, head,
                    ProcessVariables.COMPONENTS, String.join(",", manifest.artifacts().keySet()),
                    ProcessVariables.COMMITS, json.writeValueAsString(git.commitsBetween(target.workdir(),
                            manifest.commit(), head, 50, log)),
                    ProcessVariables.APPROVAL_REQUIRED, target.approval().required(),
                    ProcessVariables.APPROVAL_TIMEOUT, target.approval().timeout().toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

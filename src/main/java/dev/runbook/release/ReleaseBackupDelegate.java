package dev.runbook.release;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2Process;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_BackupRelease (and the rollback's safety snapshot): first checks that the target still serves
 * {@code previousCommit}, the commit the approval showed (someone may have deployed something else while the request
 * waited: then {@code PRECONDITION_FAILED}, nothing changed); then takes a snapshot of what serves now (HEAD, the
 * selected components' artifacts, PM2 process list) into a release backup and writes its id to {@code backupId}.
 * Fails with {@code BACKUP_FAILED} before anything is changed.
 */
@Component("releaseBackupDelegate")
@StepErrors({BpmnErrors.BACKUP_FAILED, BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED})
class ReleaseBackupDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseBackupStore backups;
    private final GitClient git;
    private final Pm2Client pm2;

    ReleaseBackupDelegate(
            TargetRegistry targets, Redactor redactor, ReleaseBackupStore backups, GitClient git, Pm2Client pm2) {
        super(targets, redactor);
        this.backups = backups;
        this.git = git;
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        String head = git.head(target.workdir(), log);
        String approved = vars.string(ProcessVariables.PREVIOUS_COMMIT);
        if (approved != null) {
            if (!approved.equals(head)) {
                throw new StepFailedException(
                        BpmnErrors.PRECONDITION_FAILED,
                        "target " + vars.target() + " serves "
                                + head + " now, not " + approved
                                + " as when this run was requested and approved; nothing "
                                + "was changed: request the run again");
            }
            git.requireClean(target.workdir(), log);
        }
        Map<String, String> processes = new LinkedHashMap<>();
        for (Pm2Process process : pm2.list(target.workdir(), log)) {
            processes.put(process.name(), process.status());
        }
        ReleaseManifest manifest = backups.create(
                vars.target(),
                target,
                TargetRegistry.select(target, vars.components()),
                head,
                processes,
                vars.requestedBy(),
                vars.runId(),
                log);
        vars.set(ProcessVariables.BACKUP_ID, manifest.id());
    }

    @Override
    public Optional<Preview> preview(Release release) {
        String serving = release.fromCommit() == null
                ? "the approved commit"
                : release.fromCommit()
                        .substring(0, Math.min(12, release.fromCommit().length()));
        return Preview.note("checks that the target still serves " + serving + " with a clean work tree, then saves "
                + "that commit, " + ReleaseBackupStore.describeArtifacts(release.components()) + " and the PM2 "
                + "process list into a new release backup (its id is known once it is taken, after the approval)");
    }
}

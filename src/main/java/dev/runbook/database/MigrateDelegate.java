package dev.runbook.database;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.npm.NpmClient;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepPreview;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_Migrate (deploy): runs the {@code migrate} command of each selected component that has one, in the component
 * dir with the target's {@code env} (the settings the app runs with). When a migration fails half-way, the database
 * backup taken before it ({@code dbBackupId}) is put back first, then the step fails with {@code COMMAND_FAILED};
 * once the step has completed, its compensation handler (Task_RestoreDatabase) does the same.
 */
@Component("migrateDelegate")
@StepErrors(BpmnErrors.COMMAND_FAILED)
class MigrateDelegate extends RunbookDelegate implements StepPreview {

    private final CommandRunner runner;
    private final NpmClient npm;
    private final DbBackups backups;

    MigrateDelegate(TargetRegistry targets, Redactor redactor, CommandRunner runner, NpmClient npm, DbBackups backups) {
        super(targets, redactor);
        this.runner = runner;
        this.npm = npm;
        this.backups = backups;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        try {
            for (Map.Entry<String, ComponentSpec> entry :
                    TargetRegistry.select(target, vars.components()).entrySet()) {
                if (entry.getValue().migrate().isEmpty()) {
                    continue;
                }
                log.line("component " + entry.getKey() + ": migrate");
                runner.runChecked(
                        npm.migrateCommand(
                                target.layout().componentDir(vars.releaseId(), entry.getValue()),
                                entry.getValue(),
                                target.env()),
                        log);
            }
        } catch (RuntimeException e) {
            String backupId = vars.string(ProcessVariables.DB_BACKUP_ID);
            if (backupId == null) {
                log.line("migration failed and no database backup was taken (target has no database): nothing to put "
                        + "back");
                throw e;
            }
            log.line("migration failed: putting database backup " + backupId + " back");
            try {
                backups.restoreAndCheck(vars.target(), backupId, null, log);
            } catch (RuntimeException undo) {
                throw new UndoFailedException(
                        "migration failed and putting database backup " + backupId + " back failed too: "
                                + undo.getMessage(),
                        undo);
            }
            throw e;
        }
    }

    /** The migrate command of each selected component that has one, as {@link NpmClient#migrateCommand} builds it. */
    @Override
    public Optional<Preview> preview(Release release) {
        if (!release.migrates()) {
            return Optional.empty();
        }
        List<PlannedCommand> commands = release.components().values().stream()
                .filter(c -> !c.migrate().isEmpty())
                .map(c -> PlannedCommand.of(npm.migrateCommand(
                        release.componentDir(c), c, release.target().env())))
                .toList();
        return Optional.of(new Preview(
                commands,
                release.target().database() == null
                        ? "in the new release's directory, with the target's env; the target has no database "
                                + "configured, so no backup is taken and a failed release leaves the migration in place"
                        : "in the new release's directory, with the target's env; a failure restores the database "
                                + "backup taken before"));
    }
}

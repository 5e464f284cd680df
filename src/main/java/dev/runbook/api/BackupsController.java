package dev.runbook.api;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.release.ReleaseBackupStore;
import dev.runbook.release.ReleaseManifest;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/targets/{target}/backups}: the target's release backups, newest first. */
@RestController
@Validated
class BackupsController {

    private final TargetRegistry targets;
    private final ReleaseBackupStore backups;
    private final GitClient git;

    BackupsController(TargetRegistry targets, ReleaseBackupStore backups, GitClient git) {
        this.targets = targets;
        this.backups = backups;
        this.git = git;
    }

    /**
     * A release backup.
     *
     * @param id         backup id, for {@code POST .../rollbacks}
     * @param commit     40-hex SHA it was taken of
     * @param created    when
     * @param by         who requested the run that took it
     * @param sizeBytes  size of the saved artifacts in bytes
     * @param components artifacts saved per component
     * @param current    true for the newest backup of the commit that serves now
     */
    record BackupView(
            String id,
            String commit,
            Instant created,
            String by,
            long sizeBytes,
            Map<String, List<String>> components,
            boolean current) {}

    @Operation(summary = "Release backups of a target, newest first, with the current one marked")
    @ApiResponse(responseCode = "404", description = "unknown target")
    @GetMapping("/api/targets/{target}/backups")
    List<BackupView> list(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        String head = git.head(targets.get(target).workdir(), StepLog.NONE);
        List<BackupView> views = new ArrayList<>();
        boolean currentSeen = false;
        for (ReleaseManifest backup : backups.list(target)) {
            boolean current = !currentSeen && backup.commit().equals(head);
            currentSeen |= current;
            views.add(new BackupView(
                    backup.id(),
                    backup.commit(),
                    backup.createdAt(),
                    backup.createdBy(),
                    backup.sizeBytes(),
                    backup.artifacts(),
                    current));
        }
        return views;
    }
}

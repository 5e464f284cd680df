package dev.runbook.api;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.release.ReleaseHistory;
import dev.runbook.release.ReleaseSummary;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/targets/{target}/releases}: the target's release directories, newest first
 * ({@code [{id, commit, tags[], createdAt, by, sizeBytes, current}]}; for a target with hosts the releases it recorded,
 * {@code sizeBytes} -1). {@code GET .../backups} answers the same: a
 * release directory is its own backup. {@code GET /api/targets/{target}/refs}: the remote's branches and tags for the
 * console's ref picker.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Targets")
@Validated
class ReleasesController {

    private final TargetRegistry targets;
    private final ReleaseHistory history;
    private final GitClient git;

    ReleasesController(TargetRegistry targets, ReleaseHistory history, GitClient git) {
        this.targets = targets;
        this.history = history;
        this.git = git;
    }

    @Operation(
            summary = "Releases of a target, newest first: id, commit, tags, created, by, size on disk (each file "
                    + "counted once across releases) and which one serves")
    @ApiResponse(responseCode = "404", description = "unknown target")
    @GetMapping({"/api/targets/{target}/releases", "/api/targets/{target}/backups"})
    List<ReleaseSummary> list(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        return history.summaries(target, targets.get(target), StepLog.NONE);
    }

    @Operation(
            summary = "Branches and tags of the target's remote, newest first, with their commit and its subject, as "
                    + "of the platform's last fetch (every deploy, update and adoption fetches); empty before the "
                    + "first. Reads the platform's mirror only: it never fetches, so it cannot disturb a running "
                    + "deploy")
    @ApiResponse(responseCode = "404", description = "unknown target")
    @GetMapping("/api/targets/{target}/refs")
    List<GitClient.RefInfo> refs(
            @PathVariable @Pattern(regexp = RunbooksController.TARGET) String target,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        Path mirror = targets.get(target).layout().repository();
        if (!Files.isRegularFile(mirror.resolve("HEAD"))) {
            return List.of();
        }
        return git.refs(mirror, limit, StepLog.NONE);
    }
}

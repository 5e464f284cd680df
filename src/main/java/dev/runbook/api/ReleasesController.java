package dev.runbook.api;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.release.ReleaseDirectories;
import dev.runbook.release.ReleaseSummary;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/targets/{target}/releases}: the target's release directories, newest first
 * ({@code [{id, commit, tags[], createdAt, by, sizeBytes, current}]}). {@code GET .../backups} answers the same: a
 * release directory is its own backup.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Targets")
@Validated
class ReleasesController {

    private final TargetRegistry targets;
    private final ReleaseDirectories directories;

    ReleasesController(TargetRegistry targets, ReleaseDirectories directories) {
        this.targets = targets;
        this.directories = directories;
    }

    @Operation(
            summary = "Releases of a target, newest first: id, commit, tags, created, by, size on disk (each file "
                    + "counted once across releases) and which one serves")
    @ApiResponse(responseCode = "404", description = "unknown target")
    @GetMapping({"/api/targets/{target}/releases", "/api/targets/{target}/backups"})
    List<ReleaseSummary> list(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        return directories.list(targets.get(target).layout(), StepLog.NONE);
    }
}

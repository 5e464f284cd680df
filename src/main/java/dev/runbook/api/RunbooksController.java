package dev.runbook.api;

import dev.runbook.api.ProblemHandler.ConflictException;
import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.git.GitClient;
import dev.runbook.process.ProcessVariables;
import dev.runbook.release.ReleaseHistory;
import dev.runbook.release.ReleaseMetadata;
import dev.runbook.release.ReleaseRecord;
import dev.runbook.release.ReleaseRecordRepository;
import dev.runbook.run.RunLauncher;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Starts the release runbooks of a target: {@code deploy}, {@code update}, {@code restart}, {@code rollback} and
 * {@code backup}. Every start answers 202 with the run id and {@code Location: /api/runs/{runId}}; 400 for bad
 * input, 404 for an unknown target or backup, 409 while another changing run holds the target.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Runs")
@Validated
@ApiResponse(responseCode = "401", description = "not signed in")
@ApiResponse(responseCode = "404", description = "unknown target")
class RunbooksController {

    static final String TARGET = "[A-Za-z0-9._-]{1,64}";

    private final TargetRegistry targets;
    private final RunLauncher launcher;
    private final ReleaseHistory history;
    private final ReleaseRecordRepository releases;

    RunbooksController(
            TargetRegistry targets, RunLauncher launcher, ReleaseHistory history, ReleaseRecordRepository releases) {
        this.targets = targets;
        this.launcher = launcher;
        this.history = history;
        this.releases = releases;
    }

    /** {@code gitRef}: branch, tag or 40-hex SHA (default the target's branch); {@code components}: see update. */
    record DeploymentRequest(
            @Size(max = 200) String gitRef, @Size(max = 200) String components) {}

    /** {@code components}: {@code all} or comma-separated component names (required for an update). */
    record UpdateRequest(
            @Size(max = 200) String gitRef, @Size(max = 200) String components) {}

    /** {@code components}: {@code all} (default) or comma-separated component names. */
    record RestartRequest(@Size(max = 200) String components) {}

    /**
     * {@code releaseId}: the release to return to (see {@code GET .../releases}); default the release before the
     * serving one. {@code backupId} is accepted as an alias (a release is its own backup).
     */
    record RollbackRequest(
            @Size(max = 64) String releaseId,
            @Size(max = 64) String backupId) {}

    /** {@code from}: the target whose verified release is promoted (the environment this one is promoted from). */
    record PromotionRequest(
            @NotBlank @Pattern(regexp = TARGET) String from) {}

    /** Reply to an accepted start: the run id, its process key and the target. */
    record RunStarted(String runId, String processKey, String target) {}

    @Operation(
            summary = "Deploy a git ref (approval, backup, checkout, install + build, reload, health check; "
                    + "automatic rollback on failure)")
    @ApiResponse(responseCode = "202", description = "run started")
    @ApiResponse(responseCode = "400", description = "invalid git ref or component")
    @ApiResponse(responseCode = "409", description = "another changing run holds the target (runId in the body)")
    @PostMapping("/api/targets/{target}/deployments")
    ResponseEntity<RunStarted> deploy(
            @PathVariable @Pattern(regexp = TARGET) String target,
            @RequestBody(required = false) @Valid DeploymentRequest request) {
        DeploymentRequest body = request == null ? new DeploymentRequest(null, null) : request;
        return release("deploy", target, body.gitRef(), body.components() == null ? "all" : body.components());
    }

    @Operation(summary = "Update the chosen components to a git ref, like deploy without migration")
    @ApiResponse(responseCode = "202", description = "run started")
    @ApiResponse(responseCode = "400", description = "missing or unknown component, invalid git ref")
    @ApiResponse(responseCode = "409", description = "another changing run holds the target (runId in the body)")
    @PostMapping("/api/targets/{target}/updates")
    ResponseEntity<RunStarted> update(
            @PathVariable @Pattern(regexp = TARGET) String target, @RequestBody @Valid UpdateRequest request) {
        if (request.components() == null || request.components().isBlank()) {
            throw new IllegalArgumentException("components is required: 'all' or component names such as backend");
        }
        return release("update", target, request.gitRef(), request.components());
    }

    @Operation(
            summary = "Promote: deploy exactly the commit that the environment this target is promoted from serves and "
                    + "verified (its last recorded release); the approval shows where it passed")
    @ApiResponse(responseCode = "202", description = "run started")
    @ApiResponse(responseCode = "400", description = "missing or malformed 'from'")
    @ApiResponse(
            responseCode = "409",
            description = "the target takes no promotions from 'from', 'from' has no verified release, or the target "
                    + "is busy")
    @PostMapping("/api/targets/{target}/promotions")
    ResponseEntity<RunStarted> promote(
            @PathVariable @Pattern(regexp = TARGET) String target, @RequestBody @Valid PromotionRequest request) {
        targets.get(target);
        String source = targets.promotionSource(target)
                .orElseThrow(() -> new ConflictException("target '" + target + "' takes no promotions: give it "
                        + "runbook.targets." + target + ".environment.promote-from"));
        if (!source.equals(request.from())) {
            throw new ConflictException(
                    "target '" + target + "' is promoted from '" + source + "', not from '" + request.from() + "'");
        }
        ReleaseRecord verified = releases.findFirstByTargetOrderByDeployedAtDesc(source)
                .orElseThrow(() -> new ConflictException(
                        "target '" + source + "' has no verified release to " + "promote: deploy it there first"));
        String promotion = source + " (" + targets.get(source).environment().name() + ") serves release "
                + verified.getBackupId() + " of " + verified.getCommitSha() + " (" + verified.getGitRef()
                + "), health-checked there and recorded at " + verified.getDeployedAt() + " by run "
                + verified.getRunId();
        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.GIT_REF, verified.getCommitSha());
        variables.put(ProcessVariables.COMPONENTS, "all");
        variables.put(ProcessVariables.PROMOTION, promotion);
        return started(
                "deploy",
                target,
                launcher.start(
                        "deploy",
                        target,
                        "promote " + verified.getCommitSha().substring(0, 7) + " from " + source,
                        variables));
    }

    private ResponseEntity<RunStarted> release(String processKey, String target, String gitRef, String components) {
        Target configured = targets.get(target);
        String ref = gitRef == null || gitRef.isBlank() ? configured.branch() : GitClient.validateRef(gitRef.trim());
        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.GIT_REF, ref);
        variables.put(ProcessVariables.COMPONENTS, components(configured, components));
        return started(processKey, target, launcher.start(processKey, target, processKey + " " + ref, variables));
    }

    @Operation(summary = "Restart the target's PM2 apps with their env read afresh, then health check")
    @ApiResponse(responseCode = "202", description = "run started")
    @ApiResponse(responseCode = "400", description = "unknown component")
    @ApiResponse(responseCode = "409", description = "another changing run holds the target (runId in the body)")
    @PostMapping("/api/targets/{target}/restarts")
    ResponseEntity<RunStarted> restart(
            @PathVariable @Pattern(regexp = TARGET) String target,
            @RequestBody(required = false) @Valid RestartRequest request) {
        String components = components(targets.get(target), request == null ? null : request.components());
        return started(
                "restart",
                target,
                launcher.start(
                        "restart", target, "restart " + components, Map.of(ProcessVariables.COMPONENTS, components)));
    }

    @Operation(
            summary = "Roll back to an earlier release: a switch of 'current' and a reload (no copy, no install, no "
                    + "build); switched back if the release is unhealthy")
    @ApiResponse(responseCode = "202", description = "run started")
    @ApiResponse(responseCode = "400", description = "malformed release id")
    @ApiResponse(responseCode = "404", description = "unknown target or release, or no earlier release to return to")
    @ApiResponse(
            responseCode = "409",
            description = "the release serves already, the target is busy, or its hosts cannot take a rollback")
    @PostMapping("/api/targets/{target}/rollbacks")
    ResponseEntity<RunStarted> rollback(
            @PathVariable @Pattern(regexp = TARGET) String target,
            @RequestBody(required = false) @Valid RollbackRequest request) {
        Target spec = targets.get(target);
        launcher.requireHosts("rollback", target);
        String requested = request == null
                ? null
                : request.releaseId() != null && !request.releaseId().isBlank()
                        ? request.releaseId()
                        : request.backupId();
        String id;
        if (requested == null || requested.isBlank()) {
            id = history.previous(target, spec)
                    .orElseThrow(() -> new NotFoundException(
                            "target '" + target + "' has no release before the one serving now to return to"));
        } else {
            id = rollbackRelease(history, target, spec, requested).id();
        }
        return started(
                "rollback",
                target,
                launcher.start("rollback", target, "rollback to " + id, Map.of(ProcessVariables.RELEASE_ID, id)));
    }

    /**
     * The release a rollback to {@code requested} returns to: 400 for a malformed id, 404 for a release the target does
     * not have, 409 for the one that serves already. The rollback request and its plan preview ask the same.
     */
    static ReleaseMetadata rollbackRelease(ReleaseHistory history, String target, Target spec, String requested) {
        if (!ReleaseLayout.ID.matcher(requested).matches()) {
            throw new IllegalArgumentException(
                    "invalid release id '" + requested + "': letters, digits, '_' and '-' only");
        }
        ReleaseMetadata release = history.release(target, spec, requested)
                .orElseThrow(() -> new NotFoundException("target '" + target + "' has no release '" + requested + "'"));
        if (release.id().equals(history.serving(target, spec).orElse(null))) {
            throw new ConflictException("release '" + requested + "' serves already");
        }
        return release;
    }

    @Operation(
            summary = "Keep the serving release: pins it against retention (a release directory is its own backup); "
                    + "the run's backupId is the release id")
    @ApiResponse(responseCode = "202", description = "run started")
    @PostMapping("/api/targets/{target}/backups")
    ResponseEntity<RunStarted> backup(@PathVariable @Pattern(regexp = TARGET) String target) {
        targets.get(target);
        return started(
                "backup",
                target,
                launcher.start("backup", target, "backup", Map.of(ProcessVariables.COMPONENTS, "all")));
    }

    /** Checks a components value against the target; {@code all} when blank. */
    private static String components(Target target, String components) {
        String value = components == null || components.isBlank() ? "all" : components.trim();
        if (!value.matches("[A-Za-z0-9._,-]{1,200}")) {
            throw new IllegalArgumentException("invalid components '" + value + "': 'all' or component names "
                    + target.components().keySet() + " separated by commas");
        }
        TargetRegistry.select(target, value);
        return value;
    }

    private static ResponseEntity<RunStarted> started(String processKey, String target, String runId) {
        return ResponseEntity.accepted()
                .location(URI.create("/api/runs/" + runId))
                .body(new RunStarted(runId, processKey, target));
    }
}

package dev.runbook.api;

import dev.runbook.api.ProblemHandler.ConflictException;
import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.run.RunLauncher;
import dev.runbook.run.RunQueries;
import dev.runbook.run.RunView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.util.List;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/runs}, {@code GET /api/runs/{runId}} and a step's whole log. */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Runs")
@Validated
class RunsController {

    private final RunQueries runs;
    private final RunLauncher launcher;
    private final IdentityService identity;

    RunsController(RunQueries runs, RunLauncher launcher, IdentityService identity) {
        this.runs = runs;
        this.launcher = launcher;
        this.identity = identity;
    }

    @Operation(
            summary = "Withdraw a run that waits for its approval: it ends WITHDRAWN, its approval goes, and the "
                    + "target is free again; audited. The requester or an administrator only")
    @ApiResponse(responseCode = "204", description = "withdrawn")
    @ApiResponse(responseCode = "403", description = "the caller neither requested the run nor is an administrator")
    @ApiResponse(responseCode = "404", description = "no such run")
    @ApiResponse(responseCode = "409", description = "the run no longer waits for its approval (decided, ended)")
    @PostMapping("/api/runs/{runId}/withdraw")
    ResponseEntity<Void> withdraw(@PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId) {
        RunView run = runs.find(runId).orElseThrow(() -> new NotFoundException("no run with id " + runId));
        Authentication caller = identity.getCurrentAuthentication();
        List<String> groups = caller.getGroupIds() == null ? List.of() : caller.getGroupIds();
        if (!caller.getUserId().equals(run.requestedBy()) && !groups.contains("camunda-admin")) {
            throw new FourEyesViolationException("only the requester of run " + runId + " (" + run.requestedBy()
                    + ") or an administrator may withdraw it");
        }
        if (!"WAITING_FOR_APPROVAL".equals(run.state())
                || !launcher.withdraw(runId, "withdrawn by " + caller.getUserId())) {
            throw new ConflictException("run " + runId + " no longer waits for its approval ("
                    + (run.outcome() != null
                            ? "it ended " + run.outcome()
                            : "it is " + run.state().toLowerCase())
                    + "): only a waiting request can be withdrawn");
        }
        return ResponseEntity.noContent().build();
    }

    @Operation(
            summary =
                    "Runs, newest first, optionally filtered by target, process key, state "
                            + "(RUNNING, WAITING_FOR_APPROVAL, WAITING_FOR_TARGET, INCIDENT, ENDED) and outcome (DEPLOYED, ROLLED_BACK ...)")
    @ApiResponse(responseCode = "400", description = "invalid filter")
    @GetMapping("/api/runs")
    List<RunView> list(
            @RequestParam(required = false) @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String target,
            @RequestParam(required = false) @Pattern(regexp = "[a-z-]{1,64}") String processKey,
            @RequestParam(required = false)
                    @Pattern(regexp = "RUNNING|WAITING_FOR_APPROVAL|WAITING_FOR_TARGET|INCIDENT|ENDED")
                    String state,
            @RequestParam(required = false) @Pattern(regexp = "[A-Z_]{1,32}") String outcome,
            @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
        return runs.list(target, processKey, state, outcome, limit);
    }

    @Operation(summary = "The BPMN 2.0 XML of the process definition version the run runs (for drawing it)")
    @ApiResponse(responseCode = "404", description = "no such run")
    @GetMapping(value = "/api/runs/{runId}/diagram", produces = MediaType.APPLICATION_XML_VALUE)
    String diagram(@PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId) {
        return runs.diagram(runId).orElseThrow(() -> new NotFoundException("no run with id " + runId));
    }

    @Operation(
            summary = "One run with its steps (outcome, compensation flag, log tail), its approval and the path of "
                    + "BPMN elements it took")
    @ApiResponse(responseCode = "404", description = "no such run")
    @GetMapping("/api/runs/{runId}")
    RunView get(@PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId) {
        return runs.find(runId).orElseThrow(() -> new NotFoundException("no run with id " + runId));
    }

    @Operation(summary = "The whole command output of one step of a run (text)")
    @ApiResponse(responseCode = "404", description = "no such run or the step ran no command")
    @GetMapping(value = "/api/runs/{runId}/steps/{activityId}/log", produces = MediaType.TEXT_PLAIN_VALUE)
    ResponseEntity<Resource> log(
            @PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId,
            @PathVariable @Pattern(regexp = "[A-Za-z][A-Za-z0-9_]{0,99}") String activityId,
            @RequestParam(required = false) @Pattern(regexp = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") String host) {
        Path file = runs.stepLog(runId, activityId, host)
                .orElseThrow(() -> new NotFoundException("no log for step " + activityId + " of run " + runId));
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "plain", java.nio.charset.StandardCharsets.UTF_8))
                .body(new FileSystemResource(file));
    }
}

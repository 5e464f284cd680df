package dev.runbook.api;

import dev.runbook.api.ProblemHandler.ConflictException;
import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.exec.Redactor;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import dev.runbook.run.RunLauncher;
import dev.runbook.run.RunQueries;
import dev.runbook.run.RunView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.exception.NullValueException;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.task.Task;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
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
    private final TaskService tasks;
    private final Redactor redactor;

    RunsController(
            RunQueries runs, RunLauncher launcher, IdentityService identity, TaskService tasks, Redactor redactor) {
        this.runs = runs;
        this.launcher = launcher;
        this.identity = identity;
        this.tasks = tasks;
        this.redactor = redactor;
    }

    /**
     * An operator's decision on a host that failed its switch, reload or health check, for a target with
     * {@code rollout.on-failure: ask}: {@code retry} (switch, reload and check that host again) or {@code rollback}
     * (roll every host back); {@code host}: which one, when several wait.
     */
    record HostDecision(
            @NotNull @Pattern(regexp = "retry|rollback") String decision,

            @Pattern(regexp = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
            String host,

            @Size(max = 2000) String comment) {}

    @Operation(
            summary = "Decide on a failed host of a run that waits for it (rollout.on-failure: ask): retry that host, "
                    + "or roll every host back; audited (DECIDE). Operators")
    @ApiResponse(responseCode = "204", description = "decided; the run goes on")
    @ApiResponse(responseCode = "400", description = "decision is not retry or rollback, or a malformed host")
    @ApiResponse(responseCode = "404", description = "no such run")
    @ApiResponse(
            responseCode = "409",
            description = "the run waits for no such decision, or several hosts wait and none was named")
    @PostMapping("/api/runs/{runId}/host-decisions")
    ResponseEntity<Void> decideHost(
            @PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId,
            @Valid @RequestBody HostDecision request) {
        runs.find(runId).orElseThrow(() -> new NotFoundException("no run with id " + runId));
        List<Task> waiting = new ArrayList<>();
        List<String> hosts = new ArrayList<>();
        for (Task task : tasks.createTaskQuery()
                .processInstanceId(runId)
                .taskDefinitionKey(ProcessVariables.HOST_FAILURE_TASK)
                .list()) {
            String host = String.valueOf(tasks.getVariable(task.getId(), HostBound.HOST_VARIABLE));
            hosts.add(host);
            if (request.host() == null || request.host().equals(host)) {
                waiting.add(task);
            }
        }
        if (waiting.isEmpty()) {
            throw new ConflictException("run " + runId + " waits for no decision on "
                    + (request.host() == null ? "a failed host" : "host " + request.host())
                    + (hosts.isEmpty() ? "" : " (it waits for one on " + String.join(", ", hosts) + ")"));
        }
        if (waiting.size() > 1) {
            throw new ConflictException(
                    "run " + runId + " waits for decisions on hosts " + String.join(", ", hosts) + ": name the host");
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.HOST_DECISION, request.decision());
        variables.put(
                ProcessVariables.DECISION_COMMENT, request.comment() == null ? "" : redactor.redact(request.comment()));
        for (int attempt = 1; ; attempt++) {
            try {
                tasks.complete(waiting.get(0).getId(), variables);
                return ResponseEntity.noContent().build();
            } catch (OptimisticLockingException concurrent) {
                // another host of the batch reported at the same moment: decide again, unless someone else did
                if (attempt >= 5) {
                    throw concurrent;
                }
            } catch (NullValueException gone) {
                throw new ConflictException("the decision on run " + runId + " was taken meanwhile");
            }
            if (tasks.createTaskQuery().taskId(waiting.get(0).getId()).count() == 0) {
                throw new ConflictException("the decision on run " + runId + " was taken meanwhile");
            }
        }
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
            summary = "Runs, newest first, optionally filtered by target, process key, state "
                    + "(RUNNING, WAITING_FOR_APPROVAL, WAITING_FOR_TARGET, WAITING_FOR_DECISION, INCIDENT, ENDED) and "
                    + "outcome (DEPLOYED, ROLLED_BACK ...)")
    @ApiResponse(responseCode = "400", description = "invalid filter")
    @GetMapping("/api/runs")
    List<RunView> list(
            @RequestParam(required = false) @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String target,
            @RequestParam(required = false) @Pattern(regexp = "[a-z-]{1,64}") String processKey,
            @RequestParam(required = false)
                    @Pattern(
                            regexp =
                                    "RUNNING|WAITING_FOR_APPROVAL|WAITING_FOR_TARGET|WAITING_FOR_DECISION|INCIDENT|ENDED")
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

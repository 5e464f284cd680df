package dev.runbook.api;

import dev.runbook.api.ProblemHandler.ConflictException;
import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.audit.Refusals;
import dev.runbook.exec.Redactor;
import dev.runbook.process.ProcessVariables;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.history.HistoricTaskInstance;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.task.Task;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/approvals} (approvals the caller may decide, with their release context, claimed or not) and
 * {@code POST /api/approvals/{taskId}} (decide one, whoever claimed it). Four eyes is enforced by the engine's task
 * listener.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Approvals")
@Validated
class ApprovalsController {

    private final TaskService tasks;
    private final HistoryService history;
    private final IdentityService identity;
    private final Redactor redactor;
    private final ApprovalViews views;
    private final Refusals refusals;

    ApprovalsController(
            TaskService tasks,
            HistoryService history,
            IdentityService identity,
            Redactor redactor,
            ApprovalViews views,
            Refusals refusals) {
        this.views = views;
        this.refusals = refusals;
        this.tasks = tasks;
        this.history = history;
        this.identity = identity;
        this.redactor = redactor;
    }

    /** A decision: approve or reject, with an optional comment. */
    record Decision(
            @NotNull Boolean approved, @Size(max = 2000) String comment) {}

    @Operation(
            summary = "Approvals the caller may decide (their groups, not their own requests), with the release "
                    + "context: commits, changed files, database migration, deadline and the plan of commands")
    @GetMapping("/api/approvals")
    List<ApprovalView> list() {
        Authentication caller = identity.getCurrentAuthentication();
        List<String> groups = caller.getGroupIds() == null ? List.of() : caller.getGroupIds();
        if (groups.isEmpty()) {
            return List.of();
        }
        List<ApprovalView> approvals = new ArrayList<>();
        for (Task task : tasks.createTaskQuery()
                .taskCandidateGroupIn(groups)
                .includeAssignedTasks()
                .orderByTaskCreateTime()
                .asc()
                .list()) {
            if (ProcessVariables.HOST_FAILURE_TASK.equals(task.getTaskDefinitionKey())) {
                // an operator's decision on a failed host, not an approval (POST /api/runs/{runId}/host-decisions)
                continue;
            }
            Map<String, Object> vars = tasks.getVariables(task.getId());
            if (caller.getUserId().equals(vars.get(ProcessVariables.REQUESTED_BY))) {
                continue;
            }
            approvals.add(views.view(task, vars));
        }
        return approvals;
    }

    @Operation(summary = "Approve or reject a release")
    @ApiResponse(responseCode = "204", description = "decided; the run goes on")
    @ApiResponse(responseCode = "400", description = "missing 'approved'")
    @ApiResponse(responseCode = "403", description = "the caller requested this run (four eyes) or may not decide")
    @ApiResponse(responseCode = "404", description = "no such approval")
    @ApiResponse(responseCode = "409", description = "already decided")
    @PostMapping("/api/approvals/{taskId}")
    org.springframework.http.ResponseEntity<Void> decide(
            @PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String taskId,
            @Valid @RequestBody Decision decision) {
        Authentication caller = identity.getCurrentAuthentication();
        Task task = tasks.createTaskQuery().taskId(taskId).singleResult();
        if (task != null && ProcessVariables.HOST_FAILURE_TASK.equals(task.getTaskDefinitionKey())) {
            throw new NotFoundException("no approval with id " + taskId + " (it is a decision on a failed host: POST "
                    + "/api/runs/" + task.getProcessInstanceId() + "/host-decisions)");
        }
        if (task == null) {
            HistoricTaskInstance decided =
                    history.createHistoricTaskInstanceQuery().taskId(taskId).singleResult();
            if (decided != null) {
                throw alreadyDecided(caller, decided.getProcessDefinitionKey(), decided.getProcessInstanceId(), taskId);
            }
            throw new NotFoundException("no approval with id " + taskId);
        }
        List<String> groups = caller.getGroupIds() == null ? List.of() : caller.getGroupIds();
        if (tasks.createTaskQuery()
                                .taskId(taskId)
                                .taskCandidateGroupIn(groups.isEmpty() ? List.of("-") : groups)
                                .includeAssignedTasks()
                                .count()
                        == 0
                && !groups.contains("camunda-admin")) {
            if (tasks.createTaskQuery().taskId(taskId).count() == 0) {
                throw alreadyDecided(caller, processKey(task), task.getProcessInstanceId(), taskId);
            }
            String why = caller.getUserId() + " is not in a group that may decide this approval";
            refusals.record(
                    Refusals.Reason.NOT_AN_APPROVER,
                    caller.getUserId(),
                    targetOf(task),
                    processKey(task),
                    task.getProcessInstanceId(),
                    "decide approval " + taskId,
                    why);
            throw new FourEyesViolationException(why);
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.APPROVED, decision.approved());
        variables.put(
                ProcessVariables.APPROVAL_COMMENT,
                decision.comment() == null ? "" : redactor.redact(decision.comment()));
        try {
            tasks.complete(taskId, variables);
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof FourEyesViolationException violation) {
                    throw violation;
                }
            }
            // a double click or two approvers at once: the engine lets one decision through and rolls the other
            // back (optimistic locking, or the task or its execution gone by the time this one looked)
            if (tasks.createTaskQuery().taskId(taskId).count() == 0) {
                throw alreadyDecided(caller, processKey(task), task.getProcessInstanceId(), taskId);
            }
            throw e;
        }
        return org.springframework.http.ResponseEntity.noContent().build();
    }

    private ConflictException alreadyDecided(Authentication caller, String processKey, String runId, String taskId) {
        String why = "approval " + taskId + " has already been decided";
        String target = history
                .createHistoricVariableInstanceQuery()
                .processInstanceId(runId)
                .variableName(ProcessVariables.TARGET)
                .list()
                .stream()
                .map(variable -> String.valueOf(variable.getValue()))
                .findFirst()
                .orElse(null);
        refusals.record(
                Refusals.Reason.ALREADY_DECIDED,
                caller.getUserId(),
                target,
                processKey,
                runId,
                "decide approval " + taskId,
                why);
        return new ConflictException(why);
    }

    private String targetOf(Task task) {
        Object target = tasks.getVariable(task.getId(), ProcessVariables.TARGET);
        return target == null ? null : target.toString();
    }

    private static String processKey(Task task) {
        return task.getProcessDefinitionId() == null
                ? null
                : task.getProcessDefinitionId().split(":")[0];
    }
}

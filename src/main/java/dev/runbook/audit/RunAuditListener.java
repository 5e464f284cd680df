package dev.runbook.audit;

import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunOutcome;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.camunda.bpm.engine.ProcessEngineServices;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;

/**
 * Built-in listener that {@link AuditEnginePlugin} puts on every process and user task: the start of a run
 * ({@code START}, with its inputs as refs), its end ({@code END}, {@code EXPIRE} when the approval timed out,
 * {@code CANCEL} when someone deleted it, even with "skip custom listeners") and each approval decision
 * ({@code APPROVE}, {@code REJECT}). The user is the engine's authenticated user of the call that did it; null for
 * the job executor. Runs inside the engine transaction: a refused decision (four eyes) or a lost race leaves no row.
 */
class RunAuditListener implements ExecutionListener, TaskListener {

    private static final Set<String> NOT_REFS = Set.of(ProcessVariables.TARGET, ProcessVariables.REQUESTED_BY);
    private static final int MAX_REF_LENGTH = 200;

    private final AuditTrail trail;

    RunAuditListener(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public void notify(DelegateExecution execution) {
        String user = currentUser(execution.getProcessEngineServices());
        String target = string(execution.getVariable(ProcessVariables.TARGET));
        String processKey = processKey(execution);
        String runId = execution.getProcessInstanceId();
        if (EVENTNAME_START.equals(execution.getEventName())) {
            trail.record(
                    AuditAction.START,
                    user,
                    target,
                    processKey,
                    runId,
                    refs(execution.getVariables()),
                    "STARTED",
                    execution.getProcessBusinessKey());
            return;
        }
        String outcome = string(execution.getVariable(ProcessVariables.RUN_OUTCOME));
        String failure = execution.hasVariable(ProcessVariables.FAILURE_CODE)
                ? execution.getVariable(ProcessVariables.FAILURE_CODE) + ": "
                        + execution.getVariable(ProcessVariables.FAILURE_MESSAGE)
                : null;
        if (execution.isCanceled()) {
            String reason = execution instanceof ExecutionEntity entity ? entity.getDeleteReason() : null;
            trail.record(
                    RunOutcome.WITHDRAWN.name().equals(outcome) ? AuditAction.WITHDRAW : AuditAction.CANCEL,
                    user,
                    target,
                    processKey,
                    runId,
                    null,
                    outcome == null ? "CANCELED" : outcome,
                    reason);
        } else {
            AuditAction action = RunOutcome.EXPIRED.name().equals(outcome) ? AuditAction.EXPIRE : AuditAction.END;
            trail.record(action, user, target, processKey, runId, null, outcome, failure);
        }
    }

    @Override
    public void notify(DelegateTask task) {
        if (ProcessVariables.HOST_FAILURE_TASK.equals(task.getTaskDefinitionKey())) {
            Object host = task.getVariable(dev.runbook.process.HostBound.HOST_VARIABLE);
            String decision = string(task.getVariable(ProcessVariables.HOST_DECISION));
            trail.record(
                    AuditAction.DECIDE,
                    currentUser(task.getProcessEngineServices()),
                    string(task.getVariable(ProcessVariables.TARGET)),
                    processKey(task.getExecution()),
                    task.getProcessInstanceId(),
                    "task=" + task.getTaskDefinitionKey() + " host=" + host,
                    decision == null ? null : decision.toUpperCase(java.util.Locale.ROOT),
                    string(task.getVariable(ProcessVariables.DECISION_COMMENT)));
            return;
        }
        boolean approved = Boolean.TRUE.equals(task.getVariable(ProcessVariables.APPROVED));
        String refs = "task=" + task.getTaskDefinitionKey();
        Object commit = task.getVariable(ProcessVariables.TARGET_COMMIT);
        if (commit != null) {
            refs += " " + ProcessVariables.TARGET_COMMIT + "=" + commit;
        }
        trail.record(
                approved ? AuditAction.APPROVE : AuditAction.REJECT,
                currentUser(task.getProcessEngineServices()),
                string(task.getVariable(ProcessVariables.TARGET)),
                processKey(task.getExecution()),
                task.getProcessInstanceId(),
                refs,
                approved ? "APPROVED" : "REJECTED",
                string(task.getVariable(ProcessVariables.APPROVAL_COMMENT)));
    }

    /** The run's inputs: short start variables other than target and requester, as sorted name=value pairs. */
    static String refs(Map<String, Object> variables) {
        StringJoiner refs = new StringJoiner(" ");
        new TreeMap<>(variables).forEach((name, value) -> {
            if (!NOT_REFS.contains(name)
                    && value != null
                    && (value instanceof CharSequence || value instanceof Boolean || value instanceof Number)
                    && value.toString().length() <= MAX_REF_LENGTH) {
                refs.add(name + "=" + value);
            }
        });
        return refs.length() == 0 ? null : refs.toString();
    }

    static String currentUser(ProcessEngineServices services) {
        Authentication authentication = services.getIdentityService().getCurrentAuthentication();
        return authentication == null ? null : authentication.getUserId();
    }

    static String processKey(DelegateExecution execution) {
        if (execution instanceof ExecutionEntity entity && entity.getProcessDefinition() != null) {
            return entity.getProcessDefinition().getKey();
        }
        String id = execution == null ? null : execution.getProcessDefinitionId();
        return id == null ? null : id.split(":")[0];
    }

    private static String string(Object value) {
        return value == null ? null : value.toString();
    }
}

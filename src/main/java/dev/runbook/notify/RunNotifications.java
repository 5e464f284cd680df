package dev.runbook.notify;

import dev.runbook.process.BpmnErrors;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.impl.history.event.HistoricProcessInstanceEventEntity;
import org.camunda.bpm.engine.impl.history.event.HistoryEvent;
import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;
import org.camunda.bpm.spring.boot.starter.event.TaskEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Turns the engine's events into notifications ({@link TargetNotifier}): an approval starts waiting (with a link to it
 * in Tasklist), a run ends {@code ROLLED_BACK}, {@code REVERTED}, {@code FAILED} or {@code EXPIRED}, a release backup
 * fails. Listens to the engine's task and history events (Camunda's Spring eventing bridge), for every process model;
 * acts only after the engine's transaction commits, on its own thread, so a rolled-back step notifies nothing and the
 * job executor never waits. A {@code db-backup} run that ends {@code FAILED} sends nothing here: its
 * {@code BACKUP_FAILED} went out when the failure was reported ({@code DbBackupFailureDelegate}).
 */
@Component
class RunNotifications implements DisposableBean {

    static final Set<String> ALERT_OUTCOMES = Set.of("ROLLED_BACK", "REVERTED", "FAILED", "EXPIRED");
    /** Process keys whose {@code FAILED} end was told when the failure happened. */
    static final Set<String> FAILURE_TOLD_EARLIER = Set.of("db-backup");

    private static final Logger LOG = LoggerFactory.getLogger(RunNotifications.class);

    private final TargetNotifier notifier;
    private final NotificationProperties properties;
    private final HistoryService history;
    private final RuntimeService runtime;
    private final TaskService tasks;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "runbook-notifications");
        thread.setDaemon(true);
        return thread;
    });

    RunNotifications(
            TargetNotifier notifier,
            NotificationProperties properties,
            HistoryService history,
            RuntimeService runtime,
            TaskService tasks) {
        this.tasks = tasks;
        this.notifier = notifier;
        this.properties = properties;
        this.history = history;
        this.runtime = runtime;
    }

    @EventListener
    void onTask(TaskEvent task) {
        if ("create".equals(task.getEventName()) && task.getProcessInstanceId() != null) {
            if (ProcessVariables.HOST_FAILURE_TASK.equals(task.getTaskDefinitionKey())) {
                afterCommit(() -> hostDecisionWaiting(task));
            } else {
                afterCommit(() -> approvalWaiting(task));
            }
        }
    }

    @EventListener
    void onHistory(HistoryEvent event) {
        if (event instanceof HistoricProcessInstanceEventEntity instance
                && HistoryEventTypes.PROCESS_INSTANCE_END.getEventName().equals(instance.getEventType())) {
            String runId = instance.getProcessInstanceId();
            String processKey = instance.getProcessDefinitionKey();
            afterCommit(() -> runEnded(runId, processKey));
        }
    }

    private void approvalWaiting(TaskEvent task) {
        String runId = task.getProcessInstanceId();
        Map<String, Object> vars = runtime.getVariables(
                runId,
                List.of(
                        ProcessVariables.TARGET,
                        ProcessVariables.REQUESTED_BY,
                        ProcessVariables.GIT_REF,
                        ProcessVariables.TARGET_COMMIT,
                        ProcessVariables.TO_SUBJECT,
                        ProcessVariables.BACKUP_ID));
        String target = str(vars.get(ProcessVariables.TARGET));
        String processKey = task.getProcessDefinitionId() == null
                ? null
                : task.getProcessDefinitionId().split(":")[0];
        String url = properties.link("/camunda/app/tasklist/default/#/?task=" + task.getId());
        String what = vars.get(ProcessVariables.GIT_REF) != null
                ? " of " + vars.get(ProcessVariables.GIT_REF)
                : vars.get(ProcessVariables.BACKUP_ID) != null
                        ? " to release backup " + vars.get(ProcessVariables.BACKUP_ID)
                        : "";
        String commit = vars.get(ProcessVariables.TARGET_COMMIT) == null
                ? ""
                : " (" + str(vars.get(ProcessVariables.TARGET_COMMIT)).substring(0, 7)
                        + (vars.get(ProcessVariables.TO_SUBJECT) == null
                                ? ""
                                : " " + vars.get(ProcessVariables.TO_SUBJECT))
                        + ")";
        org.camunda.bpm.engine.task.Task current =
                tasks.createTaskQuery().taskId(task.getId()).singleResult();
        java.util.Date due = current != null ? current.getDueDate() : task.getDueDate();
        String deadline = due == null ? "" : "; decide by " + due.toInstant();
        notifier.notify(new Notification.ApprovalWaiting(
                target,
                runId,
                processKey,
                Instant.now(),
                "Approval waiting: " + task.getName() + " — " + processKey + what + commit + " on " + target
                        + ", requested by " + vars.get(ProcessVariables.REQUESTED_BY) + deadline + ". " + url,
                task.getId(),
                url,
                str(vars.get(ProcessVariables.REQUESTED_BY)),
                due == null ? null : due.toInstant()));
    }

    /** A failed host waits for an operator: which host, its failure, where to decide and by when. */
    private void hostDecisionWaiting(TaskEvent task) {
        String runId = task.getProcessInstanceId();
        String processKey = task.getProcessDefinitionId() == null
                ? null
                : task.getProcessDefinitionId().split(":")[0];
        String target = str(runtime.getVariable(runId, ProcessVariables.TARGET));
        String host = str(runtime.getVariable(task.getExecutionId(), HostBound.HOST_VARIABLE));
        String failure = str(runtime.getVariableLocal(task.getExecutionId(), "hostFailure"));
        org.camunda.bpm.engine.task.Task current =
                tasks.createTaskQuery().taskId(task.getId()).singleResult();
        java.util.Date due = current != null ? current.getDueDate() : task.getDueDate();
        String url = properties.link("/runs/" + runId);
        notifier.notify(new Notification.HostDecisionWaiting(
                target,
                runId,
                processKey,
                Instant.now(),
                "Host " + host + " failed in " + processKey + " on " + target + ": " + failure
                        + ". An operator decides: retry that host, or roll every host back ('runbook decide " + runId
                        + " retry|rollback', or the run page)"
                        + (due == null ? "" : "; without a decision by " + due.toInstant() + " every host rolls back")
                        + ". " + url,
                host,
                failure,
                url,
                due == null ? null : due.toInstant()));
    }

    private void runEnded(String runId, String processKey) {
        Map<String, Object> vars = new HashMap<>();
        for (HistoricVariableInstance variable : history.createHistoricVariableInstanceQuery()
                .processInstanceId(runId)
                .variableNameIn(
                        ProcessVariables.TARGET,
                        ProcessVariables.RUN_OUTCOME,
                        ProcessVariables.FAILURE_CODE,
                        ProcessVariables.FAILURE_MESSAGE,
                        ProcessVariables.FAILED_STEP,
                        ProcessVariables.FAILED_HOST)
                .list()) {
            if (variable.getValue() != null) {
                vars.put(variable.getName(), variable.getValue());
            }
        }
        runEnded(runId, processKey, vars, Instant.now()).ifPresent(notifier::notify);
    }

    /**
     * What the end of a run tells, if anything: {@code BACKUP_FAILED} for a failed backup run, {@code RUN_ENDED} for
     * the other bad outcomes, nothing for a good one or a {@code db-backup} failure (already told).
     *
     * @param vars the run's variables {@code target}, {@code runOutcome}, {@code failureCode},
     *             {@code failureMessage}, {@code failedStep}, {@code failedHost} (missing ones absent)
     */
    Optional<Notification> runEnded(String runId, String processKey, Map<String, Object> vars, Instant at) {
        String outcome = str(vars.get(ProcessVariables.RUN_OUTCOME));
        if (outcome == null
                || !ALERT_OUTCOMES.contains(outcome)
                || "FAILED".equals(outcome) && FAILURE_TOLD_EARLIER.contains(processKey)) {
            return Optional.empty();
        }
        String target = str(vars.get(ProcessVariables.TARGET));
        String code = str(vars.get(ProcessVariables.FAILURE_CODE));
        boolean backupFailed = "FAILED".equals(outcome)
                && (BpmnErrors.BACKUP_FAILED.equals(code) || processKey != null && processKey.contains("backup"));
        String failure = code == null
                ? ""
                : ": " + code + " at " + vars.get(ProcessVariables.FAILED_STEP)
                        + (vars.containsKey(ProcessVariables.FAILED_HOST)
                                ? " on host " + vars.get(ProcessVariables.FAILED_HOST)
                                : "")
                        + " — " + vars.get(ProcessVariables.FAILURE_MESSAGE);
        String url = properties.link("/runs/" + runId);
        if (backupFailed) {
            return Optional.of(new Notification.BackupFailed(
                    target,
                    runId,
                    processKey,
                    at,
                    "Backup failed on " + target + " (" + processKey + " ended " + outcome + ")" + failure + ". " + url,
                    outcome,
                    url,
                    code));
        }
        return Optional.of(new Notification.RunEnded(
                target,
                runId,
                processKey,
                at,
                "Run " + processKey + " on " + target + " ended " + outcome + failure + ". " + url,
                outcome,
                url,
                code));
    }

    /** Runs the action on the notification thread once the current transaction commits (at once without one). */
    private void afterCommit(Runnable action) {
        Runnable guarded = () -> {
            try {
                executor.execute(() -> {
                    try {
                        action.run();
                    } catch (RuntimeException e) {
                        LOG.warn("notification not sent: {}", e.toString());
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                LOG.warn("notification not sent: the platform is stopping");
            }
        };
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    guarded.run();
                }
            });
        } else {
            guarded.run();
        }
    }

    private static String str(Object value) {
        return value == null ? null : value.toString();
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}

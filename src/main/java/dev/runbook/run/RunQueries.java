package dev.runbook.run;

import dev.runbook.config.DataDir;
import dev.runbook.exec.StepLog;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.history.HistoricExternalTaskLog;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.history.HistoricProcessInstanceQuery;
import org.camunda.bpm.engine.history.HistoricTaskInstance;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.FlowElement;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.springframework.stereotype.Component;

/**
 * Reads runs from the engine's history: state, outcome, who asked and approved, and the steps with their outcome,
 * compensation flag and log tail. Completed runs are included (history level full).
 */
@Component
public class RunQueries {

    static final int LOG_TAIL_LINES = 20;
    private static final Set<String> STEP_TYPES = Set.of("serviceTask", "userTask");

    private final HistoryService history;
    private final RuntimeService runtime;
    private final TaskService tasks;
    private final RepositoryService repository;
    private final ManagementService management;
    private final DataDir dataDir;
    private final Map<String, Boolean> compensationHandlers = new ConcurrentHashMap<>();

    public RunQueries(
            HistoryService history,
            RuntimeService runtime,
            TaskService tasks,
            RepositoryService repository,
            ManagementService management,
            DataDir dataDir) {
        this.management = management;
        this.history = history;
        this.runtime = runtime;
        this.tasks = tasks;
        this.repository = repository;
        this.dataDir = dataDir;
    }

    /**
     * Runs newest first, at most {@code limit}, filtered by target, process key, state and outcome ({@code runOutcome},
     * e.g. {@code ROLLED_BACK}); each filter optional.
     */
    public List<RunView> list(String target, String processKey, String state, String outcome, int limit) {
        HistoricProcessInstanceQuery query = history.createHistoricProcessInstanceQuery();
        if (target != null) {
            query.variableValueEquals(ProcessVariables.TARGET, target);
        }
        if (outcome != null) {
            query.variableValueEquals(ProcessVariables.RUN_OUTCOME, outcome);
        }
        if (processKey != null) {
            query.processDefinitionKey(processKey);
        }
        List<RunView> runs = new ArrayList<>();
        for (HistoricProcessInstance instance :
                query.orderByProcessInstanceStartTime().desc().listPage(0, state == null ? limit : limit * 10)) {
            RunView view = view(instance, false);
            if (state == null || state.equals(view.state())) {
                runs.add(view);
            }
            if (runs.size() >= limit) {
                break;
            }
        }
        return runs;
    }

    /** The run with its steps, if it exists. */
    public Optional<RunView> find(String runId) {
        HistoricProcessInstance instance = history.createHistoricProcessInstanceQuery()
                .processInstanceId(runId)
                .singleResult();
        return Optional.ofNullable(instance).map(i -> view(i, true));
    }

    /** The BPMN XML of the process definition version the run runs, if the run exists. */
    public Optional<String> diagram(String runId) {
        HistoricProcessInstance instance = history.createHistoricProcessInstanceQuery()
                .processInstanceId(runId)
                .singleResult();
        if (instance == null) {
            return Optional.empty();
        }
        try (java.io.InputStream xml = repository.getProcessModel(instance.getProcessDefinitionId())) {
            return Optional.of(new String(xml.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The whole log of one step of a run, if it ran a command: on {@code host}, or with none named the platform's
     * machine's, else the one remote host's that ran the step.
     */
    public Optional<Path> stepLog(String runId, String activityId, String host) {
        Path file = StepLog.of(dataDir.root(), runId, HostBound.logName(activityId, host))
                .file();
        if (Files.isRegularFile(file)) {
            return Optional.of(file);
        }
        if (host != null || !Files.isDirectory(file.getParent())) {
            return Optional.empty();
        }
        // no host named: the log of the one remote host that ran the step (a target of one remote host)
        try (java.util.stream.Stream<Path> logs = Files.list(file.getParent())) {
            List<Path> ofHosts = logs.filter(log -> log.getFileName().toString().startsWith(activityId + "@"))
                    .filter(Files::isRegularFile)
                    .toList();
            return ofHosts.size() == 1 ? Optional.of(ofHosts.get(0)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private RunView view(HistoricProcessInstance instance, boolean withSteps) {
        String id = instance.getId();
        Map<String, Object> vars = new HashMap<>();
        for (HistoricVariableInstance variable : history.createHistoricVariableInstanceQuery()
                .processInstanceId(id)
                .list()) {
            // a step's local variable never hides the run's own of the same name
            if (variable.getValue() != null
                    && (!vars.containsKey(variable.getName()) || id.equals(variable.getActivityInstanceId()))) {
                vars.put(variable.getName(), variable.getValue());
            }
        }
        String failure = vars.containsKey(ProcessVariables.FAILURE_CODE)
                ? vars.get(ProcessVariables.FAILURE_CODE) + ": "
                        + (vars.containsKey(ProcessVariables.FAILED_HOST)
                                ? "host " + vars.get(ProcessVariables.FAILED_HOST) + ": "
                                : "")
                        + vars.get(ProcessVariables.FAILURE_MESSAGE)
                : null;
        List<String> path = withSteps ? new ArrayList<>() : null;
        return new RunView(
                id,
                instance.getProcessDefinitionKey(),
                str(vars.get(ProcessVariables.TARGET)),
                instance.getBusinessKey(),
                state(instance),
                str(vars.get(ProcessVariables.RUN_OUTCOME)),
                instance.getStartUserId(),
                str(vars.get(ProcessVariables.APPROVED_BY)),
                decidedBy(vars),
                decidedBy(vars) != null && vars.get(ProcessVariables.APPROVED) instanceof Boolean approved
                        ? approved
                        : null,
                str(vars.get(ProcessVariables.GIT_REF)),
                str(vars.get(ProcessVariables.TARGET_COMMIT)),
                noneIfBlank(str(vars.get(ProcessVariables.PREVIOUS_COMMIT))),
                str(vars.getOrDefault(ProcessVariables.BACKUP_ID, vars.get(ProcessVariables.RELEASE_ID))),
                failure,
                instant(instance.getStartTime()),
                instant(instance.getEndTime()),
                withSteps
                        ? steps(
                                instance,
                                str(vars.get(ProcessVariables.FAILED_STEP)),
                                str(vars.get(ProcessVariables.FAILED_HOST)),
                                path)
                        : null,
                withSteps ? approval(id, vars) : null,
                path);
    }

    private RunView.Approval approval(String runId, Map<String, Object> vars) {
        // the run's approval, not an operator's decision on a failed host that came after it
        HistoricTaskInstance task = history
                .createHistoricTaskInstanceQuery()
                .processInstanceId(runId)
                .orderByHistoricActivityInstanceStartTime()
                .desc()
                .list()
                .stream()
                .filter(candidate -> !ProcessVariables.HOST_FAILURE_TASK.equals(candidate.getTaskDefinitionKey()))
                .findFirst()
                .orElse(null);
        if (task == null) {
            return null;
        }
        boolean decided = decidedBy(vars) != null;
        return new RunView.Approval(
                task.getId(),
                instant(task.getStartTime()),
                instant(task.getDueDate()),
                instant(task.getEndTime()),
                decidedBy(vars),
                decided && vars.get(ProcessVariables.APPROVED) instanceof Boolean approved ? approved : null,
                decided ? str(vars.get(ProcessVariables.APPROVAL_COMMENT)) : null);
    }

    /** Who decided the run's approval: {@code decidedBy}, or {@code approvedBy} in runs decided before it existed. */
    private static String decidedBy(Map<String, Object> vars) {
        return str(vars.getOrDefault(ProcessVariables.DECIDED_BY, vars.get(ProcessVariables.APPROVED_BY)));
    }

    private String state(HistoricProcessInstance instance) {
        if (instance.getEndTime() != null) {
            return "ENDED";
        }
        if (runtime.createIncidentQuery().processInstanceId(instance.getId()).count() > 0) {
            return "INCIDENT";
        }
        if (tasks.createTaskQuery()
                        .processInstanceId(instance.getId())
                        .taskDefinitionKey(ProcessVariables.HOST_FAILURE_TASK)
                        .count()
                > 0) {
            // a host failed and an operator decides: retry it or roll every host back (rollout.on-failure: ask)
            return "WAITING_FOR_DECISION";
        }
        if (tasks.createTaskQuery().processInstanceId(instance.getId()).count() > 0) {
            return "WAITING_FOR_APPROVAL";
        }
        if (management.createJobQuery().processInstanceId(instance.getId()).withException().list().stream()
                .anyMatch(job -> RunLauncher.TargetBusyException.isItsMessage(job.getExceptionMessage()))) {
            return "WAITING_FOR_TARGET";
        }
        return "RUNNING";
    }

    private List<RunView.Step> steps(
            HistoricProcessInstance instance, String failedStep, String failedHost, List<String> path) {
        List<RunView.Step> steps = new ArrayList<>();
        // the remote host each host-bound step ran on: the topic of its external task
        Map<String, String> hosts = new HashMap<>();
        for (HistoricExternalTaskLog log : history.createHistoricExternalTaskLogQuery()
                .processInstanceId(instance.getId())
                .list()) {
            HostBound.hostOf(log.getTopicName())
                    .filter(host -> !HostBound.LOCAL.equals(host))
                    .ifPresent(host -> hosts.put(log.getActivityInstanceId(), host));
        }
        for (HistoricActivityInstance activity : history.createHistoricActivityInstanceQuery()
                .processInstanceId(instance.getId())
                .orderByHistoricActivityInstanceStartTime()
                .asc()
                .orderPartiallyByOccurrence()
                .asc()
                .list()) {
            path.add(activity.getActivityId());
            if (!STEP_TYPES.contains(activity.getActivityType())) {
                continue;
            }
            String host = hosts.get(activity.getId());
            String outcome = activity.getEndTime() == null
                    ? "RUNNING"
                    : activity.isCanceled()
                                    && activity.getActivityId().equals(failedStep)
                                    && (failedHost == null || failedHost.equals(host))
                            ? "FAILED"
                            : activity.isCanceled() ? "CANCELED" : "COMPLETED";
            steps.add(new RunView.Step(
                    activity.getActivityId(),
                    activity.getActivityName(),
                    instant(activity.getStartTime()),
                    instant(activity.getEndTime()),
                    outcome,
                    isCompensationHandler(instance.getProcessDefinitionId(), activity.getActivityId()),
                    logTail(instance.getId(), activity.getActivityId(), host),
                    host));
        }
        if (instance.getEndTime() == null) {
            List<RunView.Step> executing = executing(instance);
            for (RunView.Step incident : incidents(instance)) {
                if (!markStopped(steps, incident)) {
                    executing.add(incident);
                }
            }
            executing.forEach(step -> path.add(step.activityId()));
            steps.addAll(executing);
        }
        return steps;
    }

    /**
     * Steps whose job a job executor is running right now: history shows a step only once its transaction commits,
     * so a long build would otherwise be invisible until it ends. Read from the locked jobs of the run.
     */
    private List<RunView.Step> executing(HistoricProcessInstance instance) {
        List<RunView.Step> steps = new ArrayList<>();
        Date now = new Date();
        for (Job job :
                management.createJobQuery().processInstanceId(instance.getId()).list()) {
            if (job instanceof JobEntity entity
                    && entity.getLockExpirationTime() != null
                    && entity.getLockExpirationTime().after(now)
                    && job.getJobDefinitionId() != null) {
                String activityId = management
                        .createJobDefinitionQuery()
                        .jobDefinitionId(job.getJobDefinitionId())
                        .singleResult()
                        .getActivityId();
                ModelElementInstance element = repository
                        .getBpmnModelInstance(instance.getProcessDefinitionId())
                        .getModelElementById(activityId);
                String name = element instanceof FlowElement flowElement ? flowElement.getName() : activityId;
                steps.add(new RunView.Step(
                        activityId,
                        name,
                        null,
                        null,
                        "RUNNING",
                        isCompensationHandler(instance.getProcessDefinitionId(), activityId),
                        logTail(instance.getId(), activityId, null),
                        null));
            }
        }
        return steps;
    }

    /**
     * A host-bound step (an external task) stopped at an incident is in history, started and not ended: it is shown
     * there as stopped, once. False when history has no such step (a failed job rolled back its activity).
     */
    private static boolean markStopped(List<RunView.Step> steps, RunView.Step incident) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            RunView.Step step = steps.get(i);
            if (step.activityId().equals(incident.activityId()) && step.endedAt() == null) {
                steps.set(
                        i,
                        new RunView.Step(
                                step.activityId(),
                                step.name(),
                                step.startedAt(),
                                null,
                                incident.outcome(),
                                step.compensation(),
                                step.logTail(),
                                step.host()));
                return true;
            }
        }
        return false;
    }

    /** Steps stopped at an incident (a failed job rolled back, so history does not show them; see markStopped). */
    private List<RunView.Step> incidents(HistoricProcessInstance instance) {
        List<RunView.Step> steps = new ArrayList<>();
        for (org.camunda.bpm.engine.runtime.Incident incident : runtime.createIncidentQuery()
                .processInstanceId(instance.getId())
                .list()) {
            String activityId = incident.getActivityId();
            if (activityId == null) {
                continue;
            }
            ModelElementInstance element = repository
                    .getBpmnModelInstance(instance.getProcessDefinitionId())
                    .getModelElementById(activityId);
            String name = element instanceof FlowElement flowElement ? flowElement.getName() : activityId;
            steps.add(new RunView.Step(
                    activityId,
                    name,
                    null,
                    null,
                    "INCIDENT",
                    isCompensationHandler(instance.getProcessDefinitionId(), activityId),
                    logTail(instance.getId(), activityId, null),
                    null));
        }
        return steps;
    }

    private boolean isCompensationHandler(String definitionId, String activityId) {
        return compensationHandlers.computeIfAbsent(definitionId + "/" + activityId, key -> {
            ModelElementInstance element =
                    repository.getBpmnModelInstance(definitionId).getModelElementById(activityId);
            // a compensation handler, or a step of a per-host undo loop that names the step it undoes
            return element instanceof Activity activity && activity.isForCompensation()
                    || element instanceof ServiceTask task
                            && HostBound.property(task, HostBound.UNDOES_PROPERTY)
                                    .isPresent();
        });
    }

    private String logTail(String runId, String activityId, String host) {
        return stepLog(runId, activityId, host)
                .map(file -> {
                    try {
                        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                        return String.join(
                                "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
                    } catch (IOException e) {
                        return "(log unreadable: " + e.getMessage() + ")";
                    }
                })
                .orElse("");
    }

    private static String str(Object value) {
        return value == null ? null : value.toString();
    }

    /** {@code previousCommit} is "" (for Tasklist's form) when nothing served before: null in the API. */
    private static String noneIfBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}

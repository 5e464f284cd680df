package dev.runbook.process;

import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.complete;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.externalTaskService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.identityService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.task;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.taskService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.withVariables;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.approval.ApprovalDeadlineTaskListener;
import dev.runbook.approval.FourEyesTaskListener;
import dev.runbook.approval.ReleasePlanner;
import dev.runbook.audit.Refusals;
import dev.runbook.config.RunbookProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.externaltask.LockedExternalTask;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;

/**
 * The process-test harness. Every bean a model's service task names in its delegate expression ({@code ${bean}}) is
 * replaced by a recording stub, found from the models themselves as Camunda's auto-mocking does, so a new step needs
 * no edit here. A stub writes given outputs; a step marked {@link #failing} throws the first BPMN error code its real
 * delegate declares ({@link StepErrors}), or the one given to {@link #fail}, and records {@code failedStep} and
 * {@code failureCode} as {@link RunbookDelegate} does; a step marked {@link #broken} throws an exception (a
 * technical fault). The real {@link RunOutcomes}, four-eyes and deadline listeners are registered. Jobs run one by
 * one, by the test.
 */
final class StubbedRun {

    private static final Map<String, Set<String>> DECLARED = ModelChecks.declaredErrorCodes();

    final List<String> calls = new ArrayList<>();
    /** The host-bound steps of a run over several hosts, as {@code step@host}, in the order they ran. */
    final List<String> hostCalls = new ArrayList<>();
    /** The target's hosts (none: the run's steps are on {@code local}). */
    final List<String> hosts = new ArrayList<>();
    /** Steps that fail (as {@link #failing}) only on the host given. */
    final Map<String, String> failingOn = new HashMap<>();
    /** How many hosts the switch takes at once ({@code rollout.batch}). */
    int batch = 1;
    /** The host whose waiting step runs next when several hosts' steps wait (a batch); null: the oldest first. */
    volatile String firstHost;
    /** What a failed host leads to ({@code rollout.on-failure}). */
    RunbookProperties.Rollout.OnFailure onFailure = RunbookProperties.Rollout.OnFailure.ROLLBACK;
    /** The variables each step (activity id) saw when it last ran. */
    final Map<String, Map<String, Object>> inputs = new HashMap<>();
    /** Steps (activity ids) that fail with their delegate's characteristic BPMN error. */
    final Set<String> failing = new HashSet<>();
    /** Steps that throw an exception with the given message: the job fails, {@link #runJobs} leaves an incident. */
    final Map<String, String> broken = new HashMap<>();

    /** What a stub writes on one host ({@code bean@host}), before what it writes everywhere ({@link #outputs}). */
    final Map<String, Map<String, Object>> hostOutputs = new HashMap<>();
    /** Hosts whose agent takes no step (stopped, cut off): their steps wait. */
    final Set<String> silent = new HashSet<>();
    /** The other runs' steps a host's worker holds now (a busy agent rather than a silent one). */
    final Map<String, List<String>> busy = new HashMap<>();

    private final Map<String, String> failingWith = new HashMap<>();
    private final Map<String, Map<String, Object>> outputs = new HashMap<>();
    private final Map<String, java.util.function.Consumer<Map<String, Object>>> effects = new HashMap<>();

    /** The harness of the running test: host-bound steps (external tasks) find their stubs here. */
    private static StubbedRun current;

    StubbedRun() {
        for (String bean : delegateBeans()) {
            Mocks.register(bean, (JavaDelegate) execution -> {
                try {
                    execution.setVariables(call(bean, execution.getCurrentActivityId(), execution.getVariables()));
                } catch (StubFailure failure) {
                    execution.setVariables(failure.variables);
                    throw failure;
                }
            });
        }
        current = this;
        Mocks.register(RunOutcomes.BEAN, new RunOutcomes());
        Mocks.register("fourEyesTaskListener", new FourEyesTaskListener(identityService(), NO_AUDIT));
        Mocks.register("approvalDeadlineTaskListener", new ApprovalDeadlineTaskListener());
        Mocks.register("hostTopics", new LocalTopics());
        Mocks.register(
                "rollout",
                new dev.runbook.host.Rollout(
                        target -> hosts, target -> new RunbookProperties.Rollout(batch, onFailure)));
        Mocks.register(
                "monitorHosts",
                new dev.runbook.monitor.MonitorHosts(
                        target -> hosts,
                        target -> java.time.Duration.ofSeconds(3),
                        (host, runId) -> busy.getOrDefault(host, List.of()),
                        new ObjectMapper()));
    }

    /**
     * The models' host topic expression in these tests: the {@code host} of a per-host part, else {@code local}.
     */
    public static final class LocalTopics {
        public String of(org.camunda.bpm.engine.delegate.VariableScope execution) {
            Object host = execution.getVariable(HostBound.HOST_VARIABLE);
            return HostBound.topic(host == null ? HostBound.LOCAL : host.toString());
        }
    }

    /**
     * What the stub of {@code bean} does as step {@code step}: records the call, then returns the variables it writes,
     * or throws a BPMN error (its {@code failedStep} and {@code failureCode} in the error's variables) or an exception.
     */
    private Map<String, Object> call(String bean, String step, Map<String, Object> seen) {
        calls.add(step);
        Object host = seen.get(HostBound.HOST_VARIABLE);
        if (host != null && !HostBound.LOCAL.equals(host)) {
            hostCalls.add(step + "@" + host);
        }
        inputs.put(step, new HashMap<>(seen));
        if (broken.containsKey(step)) {
            throw new IllegalStateException(broken.get(step));
        }
        if (failing.contains(step)
                || failingWith.containsKey(step)
                || (host != null && host.equals(failingOn.get(step)))) {
            String code = failingWith.containsKey(step) ? failingWith.get(step) : firstCode(bean, step);
            Map<String, Object> failure =
                    new HashMap<>(Map.of(ProcessVariables.FAILED_STEP, step, ProcessVariables.FAILURE_CODE, code));
            if (host != null && !HostBound.LOCAL.equals(host)) {
                // as RunbookDelegate does on a remote host
                failure.put(ProcessVariables.FAILED_HOST, host);
            }
            throw new StubFailure(code, step, failure);
        }
        if (effects.containsKey(bean)) {
            effects.get(bean).accept(seen);
        }
        return hostOutputs.getOrDefault(bean + "@" + host, outputs.getOrDefault(bean, Map.of()));
    }

    /** A stub's BPMN error, with the variables it records (set on the run before the error is thrown). */
    private static final class StubFailure extends BpmnError {
        final Map<String, Object> variables;

        StubFailure(String code, String step, Map<String, Object> variables) {
            super(code, step + " failed");
            this.variables = variables;
        }
    }

    /** The process tests run without a database: a refusal is only thrown, not audited. */
    private static final Refusals NO_AUDIT = new Refusals(null, null) {
        @Override
        public void record(
                Reason reason, String userId, String target, String processKey, String runId, String what, String why) {
            // nothing to write to
        }
    };

    /** The beans the models' service tasks name in their delegate expressions. */
    static Set<String> delegateBeans() {
        Set<String> beans = new TreeSet<>();
        try (Stream<Path> models = Files.list(Path.of("bpmn"))) {
            models.filter(p -> p.toString().endsWith(".bpmn"))
                    .forEach(model -> Bpmn.readModelFromFile(model.toFile())
                            .getModelElementsByType(ServiceTask.class)
                            .forEach(task -> ReleasePlanner.delegateBean(task).ifPresent(beans::add)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return beans;
    }

    private static String firstCode(String bean, String step) {
        Set<String> codes = DECLARED.getOrDefault(bean, Set.of());
        if (codes.isEmpty()) {
            throw new IllegalStateException(step + " (" + bean + ") declares no BPMN error; use fail(step, code) to "
                    + "fail it with one anyway");
        }
        return codes.iterator().next();
    }

    /** Variables the stub of {@code bean} writes when it runs. */
    StubbedRun outputs(String bean, Map<String, Object> values) {
        outputs.put(bean, values);
        return this;
    }

    /** What the stub of {@code bean} does, with the variables it sees, when it succeeds (e.g. record a switch). */
    StubbedRun effect(String bean, java.util.function.Consumer<Map<String, Object>> effect) {
        effects.put(bean, effect);
        return this;
    }

    /** Makes {@code step} fail with the BPMN error {@code code}. */
    StubbedRun fail(String step, String code) {
        failingWith.put(step, code);
        return this;
    }

    static void reset() {
        Mocks.reset();
        current = null;
        identityService().clearAuthentication();
    }

    /** Starts {@code processKey} as alice with {@code target=shop} and the given variables. */
    static ProcessInstance start(String processKey, Object... variables) {
        identityService().setAuthenticatedUserId("alice");
        try {
            Map<String, Object> all = new HashMap<>();
            for (int i = 0; i < variables.length; i += 2) {
                all.put((String) variables[i], variables[i + 1]);
            }
            all.put("target", "shop");
            return runtimeService().startProcessInstanceByKey(processKey, "shop:" + processKey, all);
        } finally {
            identityService().clearAuthentication();
        }
    }

    /**
     * Executes due jobs until the run waits or ends. A job that fails with an exception gets its retries set to 0,
     * as the engine does after its retry cycle: an incident.
     */
    static void runJobs() {
        for (int i = 0; i < 50; i++) {
            List<Job> due = managementService().createJobQuery().executable().list();
            if (due.isEmpty()) {
                if (runHostStep()) {
                    continue;
                }
                return;
            }
            try {
                managementService().executeJob(due.get(0).getId());
            } catch (RuntimeException technicalFault) {
                managementService().setJobRetries(due.get(0).getId(), 0);
            }
        }
        throw new AssertionError("run did not settle after 50 jobs");
    }

    /**
     * Runs one host-bound step (an external task of the host {@code local}) through its stub, as the host worker
     * does: completes it, reports its BPMN error, or fails it without retries (an incident). False when none waits.
     */
    private static boolean runHostStep() {
        if (current.firstHost != null) {
            List<LockedExternalTask> first = externalTaskService()
                    .fetchAndLock(1, "process-test")
                    .topic(HostBound.topic(current.firstHost), 60_000)
                    .includeExtensionProperties()
                    .execute();
            if (!first.isEmpty()) {
                return runHostStep(first.get(0));
            }
        }
        var fetch = externalTaskService()
                .fetchAndLock(1, "process-test")
                .topic(HostBound.topic(HostBound.LOCAL), 60_000)
                .includeExtensionProperties();
        for (String host : current.hosts) {
            if (current.silent.contains(host)) {
                continue;
            }
            // each topic has its own options
            fetch = fetch.topic(HostBound.topic(host), 60_000).includeExtensionProperties();
        }
        List<LockedExternalTask> tasks = fetch.execute();
        if (tasks.isEmpty()) {
            return false;
        }
        return runHostStep(tasks.get(0));
    }

    /** Runs one fetched host-bound step through its stub (see {@link #runHostStep()}). */
    private static boolean runHostStep(LockedExternalTask task) {
        String bean = task.getExtensionProperties().get(HostBound.STEP_PROPERTY);
        try {
            externalTaskService()
                    .complete(
                            task.getId(),
                            "process-test",
                            current.call(bean, task.getActivityId(), task.getVariables()));
        } catch (StubFailure failure) {
            externalTaskService()
                    .handleBpmnError(
                            task.getId(),
                            "process-test",
                            failure.getErrorCode(),
                            failure.getMessage(),
                            failure.variables);
        } catch (RuntimeException technicalFault) {
            externalTaskService().handleFailure(task.getId(), "process-test", technicalFault.getMessage(), null, 0, 0);
        }
        return true;
    }

    /** Decides the run's approval task as {@code user} (an approver). */
    static void decide(ProcessInstance instance, String user, boolean approved) {
        decide(instance, user, List.of("approvers"), approved);
    }

    /** Decides the run's approval task as {@code user}, a member of {@code groups}. */
    static void decide(ProcessInstance instance, String user, List<String> groups, boolean approved) {
        identityService().setAuthentication(user, groups);
        try {
            complete(task(instance), withVariables("approved", approved, "approvalComment", "checked"));
        } finally {
            identityService().clearAuthentication();
        }
    }

    /** Decides the run's waiting host failure ({@code rollout.on-failure: ask}) as operator alice. */
    static void decideHost(ProcessInstance instance, String decision) {
        org.camunda.bpm.engine.task.Task task = taskService()
                .createTaskQuery()
                .processInstanceId(instance.getId())
                .taskDefinitionKey(ProcessVariables.HOST_FAILURE_TASK)
                .singleResult();
        identityService().setAuthentication("alice", List.of("operators"));
        try {
            taskService().complete(task.getId(), Map.of(ProcessVariables.HOST_DECISION, decision));
        } finally {
            identityService().clearAuthentication();
        }
    }

    /** The {@code runOutcome} the run ended with. */
    /**
     * The value of a run-level variable of a run (running or ended; the process instance's own scope, not a step's
     * local one), from the history; null when it has none.
     */
    static Object variable(ProcessInstance instance, String name) {
        return historyService()
                .createHistoricVariableInstanceQuery()
                .processInstanceId(instance.getId())
                .variableName(name)
                .list()
                .stream()
                .filter(v -> instance.getId().equals(v.getActivityInstanceId()))
                .map(v -> v.getValue())
                .findFirst()
                .orElse(null);
    }

    static Object outcome(ProcessInstance instance) {
        return historyService()
                .createHistoricVariableInstanceQuery()
                .processInstanceId(instance.getId())
                .variableName(ProcessVariables.RUN_OUTCOME)
                .singleResult()
                .getValue();
    }
}

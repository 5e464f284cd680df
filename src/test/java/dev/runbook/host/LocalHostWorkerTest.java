package dev.runbook.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.metrics.RunMetrics;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.history.HistoricExternalTaskLog;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process worker of the host {@code local} on a real (in-memory) engine: a host-bound step runs through it
 * with the variables of its run and writes back what it sets; an expected failure is the BPMN error the model catches,
 * with the failed step recorded; a technical fault is retried and then an incident, its secret masked; the step log
 * is the same file a service task writes.
 */
class LocalHostWorkerTest {

    private static ProcessEngine engine;

    @TempDir
    static Path dataDir;

    private static final AtomicInteger calls = new AtomicInteger();
    private static volatile Consumer<ProcessVariables> work = vars -> {};
    private LocalHostWorker worker;
    private SimpleMeterRegistry registry;

    @BeforeAll
    static void startEngine() {
        ProcessEngineConfigurationImpl configuration = (ProcessEngineConfigurationImpl)
                ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration()
                        .setProcessEngineName("host-worker-test")
                        .setJdbcUrl("jdbc:h2:mem:host-worker-test;DB_CLOSE_DELAY=-1")
                        .setJobExecutorActivate(false)
                        .setHistory(ProcessEngineConfiguration.HISTORY_FULL);
        configuration.setHostname("node-1:4242:abcd1234");
        engine = configuration.buildProcessEngine();
        BpmnModelInstance model = Bpmn.createExecutableProcess("hostStep")
                .camundaHistoryTimeToLive(1)
                .startEvent()
                .serviceTask("Task_Step")
                .name("A step on the host")
                .camundaExternalTask(HostBound.topic(HostBound.LOCAL))
                .boundaryEvent("Caught")
                .error(BpmnErrors.PRECONDITION_FAILED)
                .endEvent("Failed")
                .moveToActivity("Task_Step")
                .endEvent("Done")
                .done();
        ServiceTask step = model.getModelElementById("Task_Step");
        CamundaProperty property = model.newInstance(CamundaProperty.class);
        property.setCamundaName(HostBound.STEP_PROPERTY);
        property.setCamundaValue("workDelegate");
        CamundaProperties properties = model.newInstance(CamundaProperties.class);
        properties.getCamundaProperties().add(property);
        step.builder().addExtensionElement(properties);
        engine.getRepositoryService()
                .createDeployment()
                .addModelInstance("host-step.bpmn", model)
                .deploy();
    }

    @AfterAll
    static void stopEngine() {
        engine.close();
    }

    private void startWorker(Duration retryWait) {
        RunbookProperties properties = new RunbookProperties(dataDir, null, null, Map.of());
        Redactor redactor = new Redactor(properties, List.of());
        WorkDelegate delegate = new WorkDelegate(new TargetRegistry(properties, List.of()), redactor);
        delegate.setDataDir(new DataDir(properties));
        registry = new SimpleMeterRegistry();
        worker = new LocalHostWorker(
                engine.getExternalTaskService(),
                engine.getRepositoryService(),
                (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration(),
                new HostSteps(
                        new org.springframework.beans.factory.support.StaticListableBeanFactory(
                                Map.of("workDelegate", delegate)),
                        redactor),
                new RunMetrics(registry, new TargetRegistry(properties, List.of())),
                retryWait);
        worker.start();
    }

    @AfterEach
    void stopWorker() {
        worker.stop();
        calls.set(0);
        work = vars -> {};
    }

    @Test
    void shouldRunTheStepWithTheRunsVariablesAndWriteBackWhatItSets() {
        startWorker(LocalHostWorker.RETRY_WAIT);
        work = vars -> vars.set(
                ProcessVariables.RELEASE_ID,
                "r-" + vars.target() + "-" + vars.runId().length());
        String run = start("shop");

        awaitEnd(run);
        assertThat(endEvent(run)).isEqualTo("Done");
        assertThat(variable(run, ProcessVariables.RELEASE_ID)).isEqualTo("r-shop-" + run.length());
        HistoricExternalTaskLog success = engine.getHistoryService()
                .createHistoricExternalTaskLogQuery()
                .processInstanceId(run)
                .successLog()
                .singleResult();
        assertThat(success.getWorkerId()).as("the node's job lock owner").isEqualTo("node-1:4242:abcd1234");
        assertThat(registry.get("runbook.step.dispatch")
                        .tag("path", RunMetrics.EXTERNAL)
                        .tag("host", HostBound.LOCAL)
                        .timer()
                        .count())
                .as("the wait between the step's task and its fetch is measured")
                .isEqualTo(1);
        assertThat(StepLog.of(dataDir, run, "Task_Step").file()).content().contains("working on shop");
    }

    @Test
    void shouldEndInTheModelsErrorPathWithTheFailedStepRecorded() {
        startWorker(LocalHostWorker.RETRY_WAIT);
        work = vars -> {
            throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, "no release serves shop");
        };
        String run = start("shop");

        awaitEnd(run);
        assertThat(endEvent(run)).isEqualTo("Failed");
        assertThat(variable(run, ProcessVariables.FAILED_STEP)).isEqualTo("Task_Step");
        assertThat(variable(run, ProcessVariables.FAILURE_CODE)).isEqualTo(BpmnErrors.PRECONDITION_FAILED);
        assertThat(variable(run, ProcessVariables.FAILURE_MESSAGE)).isEqualTo("no release serves shop");
    }

    @Test
    void shouldRetryATechnicalFaultAndThenRaiseAnIncidentWithTheSecretMasked() throws Exception {
        startWorker(Duration.ofMillis(200));
        work = vars -> {
            throw new IllegalStateException("cannot reach mongodb://root:hunter2@db/shop");
        };
        String run = start("shop");

        await().atMost(Duration.ofSeconds(20))
                .until(() -> engine.getRuntimeService()
                                .createIncidentQuery()
                                .processInstanceId(run)
                                .count()
                        == 1);
        Incident incident = engine.getRuntimeService()
                .createIncidentQuery()
                .processInstanceId(run)
                .singleResult();
        assertThat(incident.getIncidentType()).isEqualTo(Incident.EXTERNAL_TASK_HANDLER_TYPE);
        assertThat(incident.getActivityId()).isEqualTo("Task_Step");
        assertThat(incident.getIncidentMessage()).contains("mongodb://root:").doesNotContain("hunter2");
        assertThat(calls.get()).as("first attempt and two retries").isEqualTo(1 + LocalHostWorker.RETRIES);
        String details = engine.getExternalTaskService()
                .getExternalTaskErrorDetails(engine.getExternalTaskService()
                        .createExternalTaskQuery()
                        .processInstanceId(run)
                        .singleResult()
                        .getId());
        assertThat(details).contains("IllegalStateException").doesNotContain("hunter2");
    }

    private static String start(String target) {
        return engine.getRuntimeService()
                .startProcessInstanceByKey("hostStep", Map.of(ProcessVariables.TARGET, target))
                .getId();
    }

    private static void awaitEnd(String run) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> engine.getHistoryService()
                                .createHistoricProcessInstanceQuery()
                                .processInstanceId(run)
                                .finished()
                                .count()
                        == 1);
    }

    private static String endEvent(String run) {
        return engine.getHistoryService()
                .createHistoricProcessInstanceQuery()
                .processInstanceId(run)
                .singleResult()
                .getEndActivityId();
    }

    private static Object variable(String run, String name) {
        return engine.getHistoryService()
                .createHistoricVariableInstanceQuery()
                .processInstanceId(run)
                .variableName(name)
                .singleResult()
                .getValue();
    }

    @StepErrors(BpmnErrors.PRECONDITION_FAILED)
    static final class WorkDelegate extends RunbookDelegate {

        WorkDelegate(TargetRegistry targets, Redactor redactor) {
            super(targets, redactor);
        }

        @Override
        protected void run(ProcessVariables vars, StepLog log) {
            calls.incrementAndGet();
            log.line("working on " + vars.target());
            work.accept(vars);
        }
    }
}

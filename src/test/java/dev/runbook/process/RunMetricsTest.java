package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.metrics.DeliveryFigures;
import dev.runbook.metrics.DeliveryFigures.Figures;
import dev.runbook.metrics.RunMetrics;
import dev.runbook.metrics.RunMetricsPlugin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.camunda.bpm.engine.test.mock.MockExpressionManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Run metrics and delivery figures on an in-memory engine with the {@link RunMetricsPlugin} and stubbed delegates:
 * runs with each outcome are counted by process, target and outcome, steps and approvals are timed, rollbacks
 * counted, and the four delivery figures follow from the run history.
 */
class RunMetricsTest {

    static final Instant T0 = Instant.parse("2025-01-06T08:00:00Z");
    static SimpleMeterRegistry registry = new SimpleMeterRegistry();
    static ProcessEngine engine;
    private StubbedRun stubs;

    @BeforeAll
    static void engine() {
        ProcessEngineConfigurationImpl configuration = (ProcessEngineConfigurationImpl)
                ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration()
                        .setProcessEngineName("metrics-tests")
                        .setJdbcUrl("jdbc:h2:mem:metrics-tests;DB_CLOSE_DELAY=1000")
                        .setJobExecutorActivate(false)
                        .setHistory(ProcessEngineConfiguration.HISTORY_FULL);
        configuration.setExpressionManager(new MockExpressionManager());
        configuration.getProcessEnginePlugins().add(new RunMetricsPlugin(new RunMetrics(registry, targetsWithShop())));
        engine = configuration.buildProcessEngine();
        engine.getRepositoryService()
                .createDeployment()
                .addClasspathResource("bpmn/deploy.bpmn")
                .addClasspathResource("bpmn/monitor.bpmn")
                .deploy();
    }

    /** Target "shop" only: other target names are tagged as unknown. */
    private static TargetRegistry targetsWithShop() {
        Path workdir = Path.of(".").toAbsolutePath();
        ComponentSpec backend = new ComponentSpec(
                ".",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "shop-backend",
                "ecosystem.config.js",
                URI.create("http://127.0.0.1:3000/health"),
                null,
                null);
        Target shop = new Target(
                workdir,
                "origin",
                "main",
                null,
                Map.of(),
                Map.of("backend", backend),
                null,
                null,
                null,
                null,
                workdir,
                null,
                null,
                null,
                null);
        return new TargetRegistry(new RunbookProperties(workdir, null, null, Map.of("shop", shop)), List.of());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @BeforeEach
    void stubs() {
        BpmnAwareTests.init(engine);
        stubs = new StubbedRun()
                .outputs(
                        "resolveReleaseDelegate",
                        Map.of(
                                "targetCommit",
                                "b".repeat(40),
                                "previousCommit",
                                "a".repeat(40),
                                "commits",
                                "[]",
                                "approvalTimeout",
                                "PT1H",
                                "approvalGroup",
                                "approvers",
                                "migrationRequired",
                                false,
                                "databaseBackupRequired",
                                false));
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
        ClockUtil.reset();
        BpmnAwareTests.reset();
    }

    @Test
    void shouldCountRunsByOutcomeTimeStepsAndApprovalsAndComputeDeliveryFigures() {
        at(T0);
        ProcessInstance approved = deploy(true);
        at(T0.plus(Duration.ofHours(1)));
        StubbedRun.decide(approved, "bob", true);
        StubbedRun.runJobs();

        at(T0.plus(Duration.ofHours(2)));
        stubs.failing.add("Task_HealthCheck");
        deploy(false);
        stubs.failing.clear();

        at(T0.plus(Duration.ofHours(3)));
        stubs.failing.add("Task_PrepareRelease");
        deploy(false);
        stubs.failing.clear();

        at(T0.plus(Duration.ofHours(5)));
        deploy(false);

        at(T0.plus(Duration.ofHours(6)));
        ProcessInstance rejected = deploy(true);
        StubbedRun.decide(rejected, "bob", false);
        StubbedRun.runJobs();

        ProcessInstance canceled = deploy(true);
        engine.getRuntimeService().deleteProcessInstance(canceled.getId(), "test");

        stubs.outputs("monitorCheckDelegate", Map.of("healthy", true));
        StubbedRun.start("monitor");
        StubbedRun.runJobs();
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", false));
        StubbedRun.start("monitor");
        StubbedRun.runJobs();

        assertThat(count("runbook.runs.started", "deploy")).isEqualTo(6);
        assertThat(ended("deploy", "DEPLOYED")).isEqualTo(2);
        assertThat(ended("deploy", "ROLLED_BACK")).isEqualTo(1);
        assertThat(ended("deploy", "FAILED")).isEqualTo(1);
        assertThat(ended("deploy", "REJECTED")).isEqualTo(1);
        assertThat(ended("deploy", "CANCELED")).isEqualTo(1);
        assertThat(ended("monitor", "HEALTHY")).isEqualTo(1);
        assertThat(ended("monitor", "UNHEALTHY")).isEqualTo(1);
        assertThat(count("runbook.rollbacks", "deploy")).isEqualTo(1);
        assertThat(registry.get("runbook.step.duration")
                        .tags("process", "deploy", "step", "Task_SwitchRelease", "outcome", "completed")
                        .timer()
                        .count())
                .isEqualTo(3);
        assertThat(registry.get("runbook.approval.wait")
                        .tags("process", "deploy", "outcome", "completed")
                        .timer()
                        .max(java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo(3600.0);

        Figures figures = DeliveryFigures.compute(
                engine.getHistoryService(), "shop", T0.plus(Duration.ofHours(7)), Duration.ofDays(30));
        assertThat(figures.deployments()).isEqualTo(2);
        assertThat(figures.perDay()).isCloseTo(2 / 30.0, within(1e-9));
        assertThat(figures.leadTimeSeconds()).as("median of 1 h and 0 s").isEqualTo(1800.0);
        assertThat(figures.changeFailureRate())
                .as("rolled back + failed of four changes")
                .isEqualTo(0.5);
        assertThat(figures.timeToRestoreSeconds())
                .as("2 h and 3 h until the good release at 5 h")
                .isEqualTo(Duration.ofMinutes(150).toSeconds());
        assertThat(DeliveryFigures.compute(engine.getHistoryService(), "other", T0, Duration.ofDays(30))
                        .changeFailureRate())
                .isNaN();
    }

    private static ProcessInstance deploy(boolean approvalRequired) {
        ProcessInstance instance =
                StubbedRun.start("deploy", "gitRef", "v2", "components", "all", "approvalRequired", approvalRequired);
        StubbedRun.runJobs();
        return instance;
    }

    private static void at(Instant instant) {
        ClockUtil.setCurrentTime(Date.from(instant));
    }

    private static double count(String name, String process) {
        return registry.get(name)
                .tags("process", process, "target", "shop")
                .counter()
                .count();
    }

    private static double ended(String process, String outcome) {
        return registry.get("runbook.runs.ended")
                .tags("process", process, "target", "shop", "outcome", outcome)
                .counter()
                .count();
    }
}

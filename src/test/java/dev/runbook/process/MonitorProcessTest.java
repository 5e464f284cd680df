package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;

import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Paths of {@code bpmn/monitor.bpmn}, and its history going away after the time-to-live. */
@Deployment(resources = "bpmn/monitor.bpmn")
class MonitorProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;

    @BeforeEach
    void stubDelegates() {
        stubs = new StubbedRun();
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
        ClockUtil.reset();
    }

    @Test
    void shouldEndHealthyAndCloseTheAlertEpisode() {
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", true));
        ProcessInstance instance = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassedInOrder("Task_CheckHealth", "Task_CloseAlert", "EndEvent_Healthy")
                .isEnded()
                .hasNotPassed("Task_RaiseAlert");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("HEALTHY");
    }

    @Test
    void shouldEndUnhealthyAfterRaisingTheAlert() {
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", false, "unhealthyReasons", "disk full"));
        ProcessInstance instance = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassedInOrder("Task_CheckHealth", "Task_RaiseAlert", "EndEvent_Unhealthy")
                .hasNotPassed("Task_CloseAlert");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("UNHEALTHY");
        // the platform's own machine: the reasons as the check gave them, not prefixed with a host
        assertThat(StubbedRun.variable(instance, "unhealthyReasons")).isEqualTo("disk full");
        assertThat(StubbedRun.variable(instance, "healthy")).isEqualTo(false);
    }

    @Test
    void shouldCheckEveryHostAndNameTheUnhealthyOnes() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        stubs.outputs(
                "monitorCheckDelegate",
                Map.of("healthy", true, "unhealthyReasons", "", "healthReport", "{\"status\":\"HEALTHY\"}"));
        ProcessInstance healthy = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(healthy)).isEqualTo("HEALTHY");
        assertThat(stubs.hostCalls)
                .containsExactlyInAnyOrder(
                        "Task_CheckHealth@web-1", "Task_CheckHealth@web-2", "Task_CheckHealth@web-3");

        stubs.hostOutputs.put(
                "monitorCheckDelegate@web-2",
                Map.of(
                        "healthy",
                        false,
                        "unhealthyReasons",
                        "backend: app errored\nbackend: port 3000 not listening",
                        "healthReport",
                        "{\"status\":\"UNHEALTHY\"}"));
        stubs.failingOn.put("Task_CheckHealth", "web-3");
        ProcessInstance unhealthy = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(unhealthy).hasPassed("Task_RaiseAlert", "EndEvent_Unhealthy");
        assertThat(StubbedRun.outcome(unhealthy)).isEqualTo("UNHEALTHY");
        assertThat(((String) StubbedRun.variable(unhealthy, "unhealthyReasons")).lines())
                .containsExactlyInAnyOrder(
                        "web-2: backend: app errored",
                        "web-2: backend: port 3000 not listening",
                        "web-3: the check could not be made: COMMAND_FAILED");
        assertThat((String) StubbedRun.variable(unhealthy, "healthReport"))
                .contains("\"status\":\"UNHEALTHY\"", "\"web-1\":{\"status\":\"HEALTHY\"}", "\"web-2\"", "\"web-3\"");
    }

    @Test
    void shouldCountAHostWhoseAgentDoesNotAnswerAsUnhealthy() {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.silent.add("web-2");
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", true, "unhealthyReasons", ""));
        ProcessInstance instance = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(instance).isWaitingAt("Task_CheckHealth");

        ClockUtil.setCurrentTime(Date.from(new Date().toInstant().plus(Duration.ofSeconds(64))));
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_HostNoAnswer", "Task_RaiseAlert")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("UNHEALTHY");
        assertThat(StubbedRun.variable(instance, "unhealthyReasons"))
                .isEqualTo("web-2: its agent did not answer the check within 63 s (agent stopped, host down or"
                        + " network cut)");
    }

    @Test
    void shouldNotCountAHostWhoseAgentIsBusyWithAnotherRunAsUnhealthy() {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.silent.add("web-2");
        // web-2's agent builds a release for minutes: it takes one step at a time
        stubs.busy.put("web-2", List.of("Task_InstallAndBuild of run r-1"));
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", true, "unhealthyReasons", ""));
        ProcessInstance instance = StubbedRun.start("monitor");
        StubbedRun.runJobs();

        ClockUtil.setCurrentTime(Date.from(new Date().toInstant().plus(Duration.ofSeconds(64))));
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_HostNoAnswer", "EndEvent_Healthy")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("HEALTHY");
        assertThat(StubbedRun.variable(instance, "unhealthyReasons")).isEqualTo("");
        assertThat((String) StubbedRun.variable(instance, "healthReport"))
                .contains("\"web-2\":{\"status\":\"NOT_CHECKED\"")
                .contains("busy with Task_InstallAndBuild of run r-1");
    }

    @Test
    void shouldRaiseTheAlertWhenTheCheckItselfFails() {
        stubs.failing.add("Task_CheckHealth");
        ProcessInstance instance = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(instance).hasPassedInOrder("Task_CheckHealth", "Task_RaiseAlert", "EndEvent_Unhealthy");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("UNHEALTHY");
    }

    @Test
    void shouldKeepTheOutcomeWhenTheAlertOrRecoveryStepFails() {
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", false));
        // the alert steps declare no BPMN error today; the model still catches any, so the test names one
        stubs.fail("Task_RaiseAlert", BpmnErrors.COMMAND_FAILED);
        ProcessInstance alertFailed = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(alertFailed).hasPassed("EndEvent_AlertNotSent");
        assertThat(StubbedRun.outcome(alertFailed)).isEqualTo("UNHEALTHY");

        stubs.outputs("monitorCheckDelegate", Map.of("healthy", true));
        stubs.fail("Task_CloseAlert", BpmnErrors.COMMAND_FAILED);
        ProcessInstance recoveryFailed = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(recoveryFailed).hasPassed("EndEvent_RecoveryNotSent");
        assertThat(StubbedRun.outcome(recoveryFailed)).isEqualTo("HEALTHY");
    }

    @Test
    void shouldRemoveTheHistoryOfChecksAfterADay() {
        stubs.outputs("monitorCheckDelegate", Map.of("healthy", true));
        ProcessInstance instance = StubbedRun.start("monitor");
        StubbedRun.runJobs();
        assertThat(historyService()
                        .createHistoricProcessInstanceQuery()
                        .processInstanceId(instance.getId())
                        .count())
                .isEqualTo(1);

        ClockUtil.setCurrentTime(Date.from(new Date().toInstant().plus(Duration.ofHours(25))));
        Job cleanup = historyService().cleanUpHistoryAsync(true);
        managementService().executeJob(cleanup.getId());

        assertThat(historyService()
                        .createHistoricProcessInstanceQuery()
                        .processInstanceId(instance.getId())
                        .count())
                .isZero();
        assertThat(historyService()
                        .createHistoricVariableInstanceQuery()
                        .processInstanceId(instance.getId())
                        .count())
                .isZero();
        managementService().deleteJob(cleanup.getId());
    }
}

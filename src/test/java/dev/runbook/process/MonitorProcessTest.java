package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;

import java.time.Duration;
import java.util.Date;
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

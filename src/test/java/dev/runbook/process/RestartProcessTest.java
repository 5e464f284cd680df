package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.externalTaskService;

import java.util.List;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Paths of {@code bpmn/restart.bpmn}, {@code bpmn/backup.bpmn} and {@code bpmn/service-control.bpmn}. */
@Deployment(resources = {"bpmn/restart.bpmn", "bpmn/backup.bpmn", "bpmn/service-control.bpmn"})
class RestartProcessTest {

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
    }

    @Test
    void shouldRestartAndCheckHealth() {
        ProcessInstance instance = StubbedRun.start("restart", "components", "all");
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassedInOrder("Task_RestartApps", "Task_HealthCheck", "EndEvent_Done")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("DONE");
    }

    @Test
    void shouldEndFailedWhenTheRestartOrTheHealthCheckFails() {
        stubs.failing.add("Task_RestartApps");
        ProcessInstance restartFails = StubbedRun.start("restart", "components", "all");
        StubbedRun.runJobs();
        assertThat(restartFails).hasPassed("EndEvent_Failed").hasNotPassed("Task_HealthCheck");
        assertThat(StubbedRun.outcome(restartFails)).isEqualTo("FAILED");

        stubs.failing.clear();
        stubs.failing.add("Task_HealthCheck");
        ProcessInstance unhealthy = StubbedRun.start("restart", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(unhealthy)).isEqualTo("FAILED");
    }

    @Test
    void shouldRestartHostByHostAndStopAtTheFirstThatFails() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        ProcessInstance all = StubbedRun.start("restart", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(all)).isEqualTo("DONE");
        assertThat(stubs.hostCalls)
                .containsExactly(
                        "Task_RestartApps@web-1",
                        "Task_HealthCheck@web-1",
                        "Task_RestartApps@web-2",
                        "Task_HealthCheck@web-2",
                        "Task_RestartApps@web-3",
                        "Task_HealthCheck@web-3");

        stubs.hostCalls.clear();
        stubs.failingOn.put("Task_HealthCheck", "web-2");
        ProcessInstance unhealthy = StubbedRun.start("restart", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(unhealthy)).isEqualTo("FAILED");
        assertThat(stubs.hostCalls).endsWith("Task_HealthCheck@web-2").doesNotContain("Task_RestartApps@web-3");
    }

    @Test
    void shouldRestartTheHostsOfABatchAtOnce() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        stubs.batch = 2;
        List<Long> openRestarts = new java.util.ArrayList<>();
        stubs.effect(
                "pm2RestartDelegate",
                vars -> openRestarts.add(externalTaskService()
                        .createExternalTaskQuery()
                        .activityId("Task_RestartApps")
                        .count()));
        ProcessInstance all = StubbedRun.start("restart", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(all)).isEqualTo("DONE");
        assertThat(openRestarts).as("web-1 and web-2 at once, then web-3").containsExactly(2L, 1L, 1L);
        assertThat(stubs.hostCalls).endsWith("Task_RestartApps@web-3", "Task_HealthCheck@web-3");
    }

    @Test
    void shouldBackUpOrFail() {
        ProcessInstance done = StubbedRun.start("backup", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(done)).isEqualTo("BACKED_UP");

        stubs.failing.add("Task_BackupRelease");
        ProcessInstance failed = StubbedRun.start("backup", "components", "all");
        StubbedRun.runJobs();
        assertThat(failed).hasPassed("EndEvent_Failed");
        assertThat(StubbedRun.outcome(failed)).isEqualTo("FAILED");
    }

    @Test
    void shouldControlTheServiceThenSaveTheProcessList() {
        ProcessInstance done = StubbedRun.start("service-control", "app", "shop-backend", "action", "stop");
        StubbedRun.runJobs();
        assertThat(done).hasPassedInOrder("Task_ControlService", "Task_SaveProcessList", "EndEvent_Done");
        assertThat(StubbedRun.outcome(done)).isEqualTo("DONE");

        stubs.failing.add("Task_ControlService");
        ProcessInstance errored = StubbedRun.start("service-control", "app", "shop-backend", "action", "start");
        StubbedRun.runJobs();
        assertThat(errored).hasPassed("EndEvent_Failed").hasNotPassed("Task_SaveProcessList");

        stubs.failing.clear();
        stubs.failing.add("Task_SaveProcessList");
        ProcessInstance unsaved = StubbedRun.start("service-control", "app", "shop-backend", "action", "start");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(unsaved)).isEqualTo("FAILED");
    }

    @Test
    void shouldControlTheServiceOnEachHostAndStopAtTheFirstThatFails() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        ProcessInstance all = StubbedRun.start("service-control", "app", "all", "action", "restart");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(all)).isEqualTo("DONE");
        assertThat(stubs.hostCalls)
                .containsExactly(
                        "Task_ControlService@web-1",
                        "Task_SaveProcessList@web-1",
                        "Task_ControlService@web-2",
                        "Task_SaveProcessList@web-2",
                        "Task_ControlService@web-3",
                        "Task_SaveProcessList@web-3");

        stubs.hostCalls.clear();
        stubs.failingOn.put("Task_ControlService", "web-2");
        ProcessInstance failed = StubbedRun.start("service-control", "app", "all", "action", "restart");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(failed)).isEqualTo("FAILED");
        assertThat(stubs.hostCalls)
                .containsExactly(
                        "Task_ControlService@web-1", "Task_SaveProcessList@web-1", "Task_ControlService@web-2");
    }

    @Test
    void shouldPinTheServingReleaseOnEachHost() {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        ProcessInstance done = StubbedRun.start("backup", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(done)).isEqualTo("BACKED_UP");
        assertThat(stubs.hostCalls).containsExactly("Task_BackupRelease@web-1", "Task_BackupRelease@web-2");

        stubs.hostCalls.clear();
        stubs.failingOn.put("Task_BackupRelease", "web-1");
        ProcessInstance failed = StubbedRun.start("backup", "components", "all");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(failed)).isEqualTo("FAILED");
        assertThat(stubs.hostCalls).containsExactly("Task_BackupRelease@web-1");
    }
}

package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paths of {@code bpmn/rollback.bpmn}: switch {@code current} to an earlier release directory and reload (no install,
 * no build); switch back to the release that served when the earlier one is unhealthy.
 */
@Deployment(resources = "bpmn/rollback.bpmn")
class RollbackProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;
    private final List<String> switchedTo = new ArrayList<>();

    @BeforeEach
    void stubDelegates() {
        stubs = new StubbedRun()
                .outputs(
                        "validateReleaseDelegate",
                        Map.of(
                                "targetCommit",
                                "a".repeat(40),
                                "previousCommit",
                                "b".repeat(40),
                                "previousReleaseId",
                                "20261129_080000_bbbbbbb",
                                "components",
                                "all",
                                "commits",
                                "[]",
                                "approvalTimeout",
                                "PT1H",
                                "approvalGroup",
                                "approvers"))
                // host-bound steps: the switches run as external tasks through the stubs
                .effect("switchReleaseDelegate", vars -> switchedTo.add((String) vars.get("releaseId")))
                .effect("switchBackDelegate", vars -> switchedTo.add((String) vars.get("previousReleaseId")));
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
    }

    private ProcessInstance start(boolean approvalRequired) {
        return StubbedRun.start(
                "rollback", "releaseId", "20261128_080000_aaaaaaa", "approvalRequired", approvalRequired);
    }

    @Test
    void shouldSwitchToTheReleaseAfterApprovalWithoutBuilding() {
        ProcessInstance instance = start(true);
        StubbedRun.runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRollback");
        StubbedRun.decide(instance, "bob", true);
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassedInOrder(
                        "Task_ValidateRelease",
                        "Task_ApproveRollback",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "Task_RecordRelease",
                        "EndEvent_Restored")
                .isEnded()
                .variables()
                .containsEntry("releaseId", "20261128_080000_aaaaaaa")
                .containsEntry("previousReleaseId", "20261129_080000_bbbbbbb");
        assertThat(switchedTo).containsExactly("20261128_080000_aaaaaaa");
        assertThat(stubs.calls).doesNotContain("Task_SwitchBack", "Task_ReloadPreviousRelease");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("RESTORED");
    }

    @Test
    void shouldSwitchBackToTheServingReleaseWhenTheEarlierReleaseIsUnhealthy() {
        stubs.failing.add("Task_HealthCheck");
        ProcessInstance instance = start(false);
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassed(
                        "Task_SwitchBack",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease",
                        "EndEvent_Reverted")
                .hasNotPassed("Task_RecordRelease")
                .isEnded();
        assertThat(switchedTo).containsExactly("20261128_080000_aaaaaaa", "20261129_080000_bbbbbbb");
        assertThat(stubs.calls)
                .containsSubsequence(
                        "Task_HealthCheck",
                        "Task_SwitchBack",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldTouchNothingWhenTheSwitchWasRefused() {
        stubs.failing.add("Task_SwitchRelease");
        ProcessInstance instance = start(false);
        StubbedRun.runJobs();
        // nothing was switched, so nothing is switched back, reloaded or checked again
        assertThat(instance)
                .hasPassed("EndEvent_Reverted")
                .hasNotPassed(
                        "Task_SwitchBack",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease",
                        "Task_Pm2Reload",
                        "Task_RecordRelease")
                .isEnded();
        assertThat(switchedTo).isEmpty();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldRollBackHostByHostAndSwitchEveryHostBackWhenOneFails() {
        stubs.hosts.addAll(java.util.List.of("web-1", "web-2"));
        ProcessInstance good = start(false);
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(good)).isEqualTo("RESTORED");
        assertThat(stubs.hostCalls)
                .containsExactly(
                        "Task_SwitchRelease@web-1",
                        "Task_Pm2Reload@web-1",
                        "Task_HealthCheck@web-1",
                        "Task_SwitchRelease@web-2",
                        "Task_Pm2Reload@web-2",
                        "Task_HealthCheck@web-2");

        stubs.hostCalls.clear();
        stubs.failingOn.put("Task_HealthCheck", "web-2");
        ProcessInstance failed = start(false);
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(failed)).isEqualTo("REVERTED");
        assertThat(stubs.hostCalls)
                .endsWith(
                        "Task_HealthCheck@web-2",
                        "Task_SwitchBack@web-2",
                        "Task_ReloadPreviousRelease@web-2",
                        "Task_HealthCheckPreviousRelease@web-2",
                        "Task_SwitchBack@web-1",
                        "Task_ReloadPreviousRelease@web-1",
                        "Task_HealthCheckPreviousRelease@web-1");
        assertThat(failed).hasNotPassed("Task_RecordRelease");
    }

    @Test
    void shouldLeaveAnIncidentWhenSwitchingBackFails() {
        stubs.failing.add("Task_HealthCheck");
        stubs.broken.put("Task_SwitchBack", "cannot switch current back");
        ProcessInstance instance = start(false);
        StubbedRun.runJobs();
        assertThat(instance).isNotEnded();
        // the failed undo step itself (a host-bound step) stops the run at an incident
        assertThat(runtimeService()
                        .createIncidentQuery()
                        .processInstanceId(instance.getId())
                        .singleResult()
                        .getActivityId())
                .isEqualTo("Task_SwitchBack");
        assertThat(stubs.calls).doesNotContain("Task_ReloadPreviousRelease");
    }

    @Test
    void shouldEndWithoutChangesWhenInvalidRejectedOrExpired() {
        stubs.failing.add("Task_ValidateRelease");
        ProcessInstance invalid = start(true);
        StubbedRun.runJobs();
        assertThat(invalid).hasPassed("EndEvent_NotStarted").hasNotPassed("Task_ApproveRollback");
        assertThat(StubbedRun.outcome(invalid)).isEqualTo("FAILED");
        stubs.failing.clear();

        ProcessInstance rejected = start(true);
        StubbedRun.runJobs();
        StubbedRun.decide(rejected, "bob", false);
        assertThat(StubbedRun.outcome(rejected)).isEqualTo("REJECTED");

        ProcessInstance expired = start(true);
        StubbedRun.runJobs();
        execute(managementService()
                .createJobQuery()
                .processInstanceId(expired.getId())
                .timers()
                .singleResult());
        assertThat(StubbedRun.outcome(expired)).isEqualTo("EXPIRED");

        assertThat(switchedTo).isEmpty();
        assertThat(stubs.calls).doesNotContain("Task_SwitchRelease", "Task_Pm2Reload");
        assertThat(runtimeService().createProcessInstanceQuery().count()).isZero();
    }
}

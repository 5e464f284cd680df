package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.util.Map;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Paths of {@code bpmn/update.bpmn}: the deploy steps for the chosen components, without migration. */
@Deployment(resources = "bpmn/update.bpmn")
class UpdateProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;

    @BeforeEach
    void stubDelegates() {
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
                                "approvers"));
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
    }

    private ProcessInstance start(boolean approvalRequired) {
        return StubbedRun.start(
                "update", "gitRef", "v2", "components", "backend", "approvalRequired", approvalRequired);
    }

    @Test
    void shouldUpdateAfterApproval() {
        ProcessInstance instance = start(true);
        StubbedRun.runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRelease");
        StubbedRun.decide(instance, "bob", true);
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassedInOrder(
                        "Task_PrepareRelease",
                        "Task_InstallAndBuild",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "Task_RecordRelease",
                        "EndEvent_Deployed")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("DEPLOYED");
        assertThat(stubs.calls).doesNotContain("Task_SwitchBack", "Task_DiscardRelease");
    }

    @Test
    void shouldAskAnOperatorWhenTheHostFailsThenRetryOrRollBackAsTold() {
        stubs.onFailure = dev.runbook.config.RunbookProperties.Rollout.OnFailure.ASK;
        stubs.failing.add("Task_HealthCheck");
        ProcessInstance retried = start(false);
        StubbedRun.runJobs();
        assertThat(retried).isWaitingAt("Task_DecideHostFailure");
        stubs.failing.clear();
        StubbedRun.decideHost(retried, "retry");
        StubbedRun.runJobs();
        assertThat(StubbedRun.outcome(retried)).isEqualTo("DEPLOYED");

        stubs.failing.add("Task_Pm2Reload");
        ProcessInstance rolledBack = start(false);
        StubbedRun.runJobs();
        assertThat(rolledBack).isWaitingAt("Task_DecideHostFailure");
        StubbedRun.decideHost(rolledBack, "rollback");
        StubbedRun.runJobs();
        assertThat(rolledBack).hasPassed("EndEvent_HostFailed", "Task_SwitchBack", "EndEvent_RolledBack");
        assertThat(StubbedRun.outcome(rolledBack)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldRollBackWhenHealthCheckFails() {
        stubs.failing.add("Task_HealthCheck");
        ProcessInstance instance = start(false);
        StubbedRun.runJobs();
        assertThat(instance).hasPassed("EndEvent_RolledBack").isEnded();
        assertThat(stubs.calls)
                .containsSubsequence(
                        "Task_HealthCheck",
                        "Task_SwitchBack",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease",
                        "Task_DiscardRelease");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldOnlyDiscardTheNewReleaseWhenBuildFails() {
        stubs.failing.add("Task_InstallAndBuild");
        ProcessInstance instance = start(false);
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassed("Task_DiscardRelease", "EndEvent_RolledBack")
                .hasNotPassed("Task_SwitchRelease", "Task_SwitchBack", "Task_Pm2Reload")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldEndEachWayWithoutChangesWhenNotApproved() {
        ProcessInstance rejected = start(true);
        StubbedRun.runJobs();
        StubbedRun.decide(rejected, "bob", false);
        assertThat(StubbedRun.outcome(rejected)).isEqualTo("REJECTED");

        ProcessInstance expired = start(true);
        StubbedRun.runJobs();
        org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute(
                org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService()
                        .createJobQuery()
                        .processInstanceId(expired.getId())
                        .timers()
                        .singleResult());
        assertThat(StubbedRun.outcome(expired)).isEqualTo("EXPIRED");

        stubs.failing.add("Task_ResolveRelease");
        ProcessInstance refused = start(true);
        StubbedRun.runJobs();
        assertThat(refused).hasPassed("EndEvent_NotStarted").hasNotPassed("Task_ApproveRelease");

        stubs.failing.clear();
        stubs.failing.add("Task_PrepareRelease");
        ProcessInstance notPrepared = start(false);
        StubbedRun.runJobs();
        assertThat(notPrepared).hasPassed("EndEvent_NothingChanged").hasNotPassed("Task_InstallAndBuild");
        assertThat(StubbedRun.outcome(notPrepared)).isEqualTo("FAILED");
        assertThat(stubs.calls).doesNotContain("Task_InstallAndBuild", "Task_SwitchRelease", "Task_DiscardRelease");
    }
}

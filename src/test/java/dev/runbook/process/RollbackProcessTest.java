package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.execute;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paths of {@code bpmn/rollback.bpmn}: restore a release backup (no install, no build), revert to the safety
 * snapshot when the restored release is unhealthy.
 */
@Deployment(resources = "bpmn/rollback.bpmn")
class RollbackProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;
    private final List<String> restoredFrom = new ArrayList<>();

    @BeforeEach
    void stubDelegates() {
        stubs = new StubbedRun()
                .outputs(
                        "validateBackupDelegate",
                        Map.of(
                                "targetCommit",
                                "a".repeat(40),
                                "previousCommit",
                                "b".repeat(40),
                                "components",
                                "backend",
                                "commits",
                                "[]",
                                "approvalTimeout",
                                "PT1H"))
                .outputs("releaseBackupDelegate", Map.of("backupId", "20261129_safety"));
        Mocks.register("restoreArtifactsDelegate", (JavaDelegate) execution -> {
            stubs.calls.add(execution.getCurrentActivityId());
            restoredFrom.add((String) execution.getVariable("backupId"));
        });
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
    }

    private ProcessInstance start(boolean approvalRequired) {
        return StubbedRun.start("rollback", "backupId", "20261128_v1", "approvalRequired", approvalRequired);
    }

    @Test
    void shouldRestoreTheBackupAfterApprovalWithoutBuilding() {
        ProcessInstance instance = start(true);
        StubbedRun.runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRollback");
        StubbedRun.decide(instance, "bob", true);
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassedInOrder(
                        "Task_ValidateBackup",
                        "Task_SafetySnapshot",
                        "Task_GitCheckout",
                        "Task_RestoreArtifacts",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "Task_RecordRelease",
                        "EndEvent_Restored")
                .isEnded()
                .variables()
                .containsEntry("safetyBackupId", "20261129_safety");
        assertThat(restoredFrom).containsExactly("20261128_v1");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("RESTORED");
    }

    @Test
    void shouldRevertToTheSafetySnapshotWhenTheRestoredReleaseIsUnhealthy() {
        stubs.failing.add("Task_HealthCheck");
        ProcessInstance instance = start(false);
        StubbedRun.runJobs();
        assertThat(instance)
                .hasPassed(
                        "Task_RestoreSafetySnapshot",
                        "Task_UndoGitCheckout",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease",
                        "EndEvent_Reverted")
                .isEnded();
        assertThat(restoredFrom).containsExactly("20261128_v1", "20261129_safety");
        assertThat(stubs.calls)
                .containsSubsequence(
                        "Task_HealthCheck",
                        "Task_RestoreSafetySnapshot",
                        "Task_UndoGitCheckout",
                        "Task_ReloadPreviousRelease");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldEndWithoutChangesWhenInvalidRejectedExpiredOrSnapshotFails() {
        stubs.failing.add("Task_ValidateBackup");
        ProcessInstance invalid = start(true);
        StubbedRun.runJobs();
        assertThat(invalid).hasPassed("EndEvent_NotStarted").hasNotPassed("Task_ApproveRollback");
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

        stubs.failing.add("Task_SafetySnapshot");
        ProcessInstance noSnapshot = start(false);
        StubbedRun.runJobs();
        assertThat(noSnapshot).hasPassed("EndEvent_SnapshotFailed").hasNotPassed("Task_GitCheckout");
        assertThat(runtimeService().createProcessInstanceQuery().count()).isZero();
    }
}

package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import dev.runbook.approval.FourEyesTaskListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every path of {@code bpmn/db-restore.bpmn} on an in-memory engine with recording stubs (the real tools run in the
 * database end-to-end tests): approval always, safety backup, restore, check, and the revert to the safety backup.
 */
@Deployment(resources = "bpmn/db-restore.bpmn")
class DbRestoreProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;
    private final List<String> alerts = new ArrayList<>();

    @BeforeEach
    void stubDelegates() {
        stubs = new StubbedRun()
                .outputs(
                        "dbFindBackupDelegate",
                        Map.of(
                                "intoDatabase",
                                "shop",
                                "dbBackupSummary",
                                "backup b-1 of shop",
                                "approvalTimeout",
                                "PT1H",
                                "approvalGroup",
                                "approvers"))
                .outputs("dbBackupDelegate", Map.of("dbBackupId", "safety-1"))
                .outputs("dbRestoreDelegate", Map.of("restoredCounts", "{\"orders\":42}"));
        Mocks.register("runFailedAlertListener", (ExecutionListener)
                execution -> alerts.add(execution.getCurrentActivityId()));
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
    }

    private static ProcessInstance start() {
        return StubbedRun.start("db-restore", "dbBackupId", "b-1");
    }

    private static void runJobs() {
        StubbedRun.runJobs();
    }

    private static void decide(ProcessInstance instance, String user, boolean approved) {
        StubbedRun.decide(instance, user, approved);
    }

    /** The database backup a restore step was given. */
    private Object restoredBackup(String step) {
        return stubs.inputs.get(step).get("dbBackupId");
    }

    private ProcessInstance approvedRun() {
        ProcessInstance instance = start();
        runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRestore").task().hasCandidateGroup("approvers");
        decide(instance, "bob", true);
        runJobs();
        return instance;
    }

    @Test
    void shouldRestoreAfterApprovalAndASafetyBackup() {
        ProcessInstance instance = approvedRun();

        assertThat(instance)
                .hasPassedInOrder(
                        "Task_FindBackup",
                        "Task_ApproveRestore",
                        "Task_SafetyBackup",
                        "Task_RestoreBackup",
                        "Task_VerifyRestore",
                        "EndEvent_Restored")
                .isEnded()
                .variables()
                .containsEntry("approvedBy", "bob")
                .containsEntry("safetyDbBackupId", "safety-1");
        assertThat(StubbedRun.variable(instance, "dbBackupId"))
                .as("the safety backup's id stays in its step")
                .isEqualTo("b-1");
        assertThat(restoredBackup("Task_RestoreBackup")).isEqualTo("b-1");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("RESTORED");
        assertThat(stubs.calls).doesNotContain("Task_RestoreSafetyBackup");
    }

    @Test
    void shouldPutTheSafetyBackupBackWhenTheRestoredCountsDiffer() {
        stubs.failing.add("Task_VerifyRestore");
        ProcessInstance instance = approvedRun();

        assertThat(instance)
                .hasPassed("Task_RestoreSafetyBackup", "EndEvent_Reverted")
                .isEnded();
        assertThat(restoredBackup("Task_RestoreSafetyBackup")).isEqualTo("safety-1");
        assertThat(stubs.calls)
                .containsSubsequence("Task_RestoreBackup", "Task_VerifyRestore", "Task_RestoreSafetyBackup");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldEndRevertedWhenTheRestoreFailsAndHasUndoneItself() {
        stubs.failing.add("Task_RestoreBackup");
        ProcessInstance instance = approvedRun();

        assertThat(instance)
                .hasPassed("EndEvent_Reverted")
                .hasNotPassed("Task_VerifyRestore", "Task_RestoreSafetyBackup")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldLeaveAnIncidentWhenPuttingTheSafetyBackupBackFails() {
        stubs.failing.add("Task_VerifyRestore");
        stubs.broken.put("Task_RestoreSafetyBackup", "mongorestore of the safety backup failed");
        ProcessInstance instance = approvedRun();

        assertThat(instance).isNotEnded();
        assertThat(runtimeService()
                        .createIncidentQuery()
                        .processInstanceId(instance.getId())
                        .singleResult()
                        .getActivityId())
                .isEqualTo("IntermediateThrowEvent_UndoRestore");
    }

    @Test
    void shouldRefuseADamagedBackupBeforeAskingForApprovalAndRaiseAnAlert() {
        stubs.failing.add("Task_FindBackup");
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance)
                .hasPassed("EndEvent_NotStarted")
                .hasNotPassed("Task_ApproveRestore")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("FAILED");
        assertThat(alerts).containsExactly("EndEvent_NotStarted");
    }

    @Test
    void shouldChangeNothingWhenTheSafetyBackupFails() {
        stubs.failing.add("Task_SafetyBackup");
        ProcessInstance instance = approvedRun();

        assertThat(instance)
                .hasPassed("EndEvent_SafetyBackupFailed")
                .hasNotPassed("Task_RestoreBackup")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("FAILED");
        assertThat(alerts).containsExactly("EndEvent_SafetyBackupFailed");
    }

    @Test
    void shouldEndRejectedOrExpiredWithoutTouchingTheDatabase() {
        ProcessInstance rejected = start();
        runJobs();
        decide(rejected, "bob", false);
        assertThat(rejected)
                .hasPassed("EndEvent_Rejected")
                .hasNotPassed("Task_SafetyBackup")
                .isEnded();
        assertThat(StubbedRun.outcome(rejected)).isEqualTo("REJECTED");

        ProcessInstance expired = start();
        runJobs();
        managementService()
                .executeJob(managementService()
                        .createJobQuery()
                        .processInstanceId(expired.getId())
                        .timers()
                        .singleResult()
                        .getId());
        assertThat(expired).hasPassed("EndEvent_Expired").isEnded();
        assertThat(StubbedRun.outcome(expired)).isEqualTo("EXPIRED");
        assertThat(stubs.calls).doesNotContain("Task_SafetyBackup", "Task_RestoreBackup");
    }

    @Test
    void shouldRefuseTheRequesterApprovingTheirOwnRestore() {
        ProcessInstance instance = start();
        runJobs();

        assertThatThrownBy(() -> decide(instance, "alice", true))
                .hasRootCauseInstanceOf(FourEyesTaskListener.FourEyesViolationException.class);
        assertThat(instance).isWaitingAt("Task_ApproveRestore");
    }
}

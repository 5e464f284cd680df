package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.complete;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.identityService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.task;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.withVariables;

import dev.runbook.approval.FourEyesTaskListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.runtime.Job;
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
            .assertClassCoverageAtLeast(0.9).build();

    private final List<String> calls = new ArrayList<>();
    private final Map<String, Object> restoredBackup = new HashMap<>();
    private final Set<String> failing = new HashSet<>();
    private final List<String> alerts = new ArrayList<>();

    @BeforeEach
    void stubDelegates() {
        Mocks.register(RunOutcomes.BEAN, new RunOutcomes());
        stub("dbFindBackupDelegate", Map.of("intoDatabase", "shop", "dbBackupSummary", "backup b-1 of shop",
                "approvalTimeout", "PT1H"));
        stub("dbBackupDelegate", Map.of("dbBackupId", "safety-1"));
        stub("dbRestoreDelegate", Map.of("restoredCounts", "{\"orders\":42}"));
        stub("dbVerifyRestoreDelegate", Map.of());
        Mocks.register("dbRestoreBackupDelegate", (JavaDelegate) execution -> {
            calls.add(execution.getCurrentActivityId());
            if (failing.contains(execution.getCurrentActivityId())) {
                throw new IllegalStateException("mongorestore of the safety backup failed");
            }
            restoredBackup.put(execution.getCurrentActivityId(), execution.getVariable("dbBackupId"));
        });
        Mocks.register("runFailedAlertListener", (ExecutionListener) execution ->
                alerts.add(execution.getCurrentActivityId()));
        Mocks.register("fourEyesTaskListener", new FourEyesTaskListener(identityService()));
    }

    @AfterEach
    void reset() {
        Mocks.reset();
        identityService().clearAuthentication();
    }

    private void stub(String bean, Map<String, Object> outputs) {
        Mocks.register(bean, (JavaDelegate) execution -> {
            String step = execution.getCurrentActivityId();
            calls.add(step);
            if (step.equals("Task_RestoreBackup")) {
                restoredBackup.put(step, execution.getVariable("dbBackupId"));
            }
            if (failing.contains(step)) {
                String code = switch (step) {
                    case "Task_FindBackup" -> BpmnErrors.BACKUP_INVALID;
                    case "Task_SafetyBackup" -> BpmnErrors.BACKUP_FAILED;
                    case "Task_VerifyRestore" -> BpmnErrors.VERIFICATION_FAILED;
                    default -> BpmnErrors.COMMAND_FAILED;
                };
                throw new BpmnError(code, step + " failed");
            }
            execution.setVariables(outputs);
        });
    }

    private ProcessInstance start() {
        identityService().setAuthenticatedUserId("alice");
        try {
            return runtimeService().startProcessInstanceByKey("db-restore", "shop:db-restore b-1",
                    withVariables("target", "shop", "dbBackupId", "b-1"));
        } finally {
            identityService().clearAuthentication();
        }
    }

    private void runJobs() {
        for (int i = 0; i < 30; i++) {
            List<Job> due = managementService().createJobQuery().executable().list();
            if (due.isEmpty()) {
                return;
            }
            try {
                managementService().executeJob(due.get(0).getId());
            } catch (RuntimeException technicalFault) {
                managementService().setJobRetries(due.get(0).getId(), 0);
            }
        }
        throw new AssertionError("run did not settle after 30 jobs");
    }

    private void decide(ProcessInstance instance, String user, boolean approved) {
        identityService().setAuthentication(user, List.of("approvers"));
        try {
            complete(task(instance), withVariables("approved", approved, "approvalComment", "checked"));
        } finally {
            identityService().clearAuthentication();
        }
    }

    private ProcessInstance approvedRun() {
        ProcessInstance instance = start();
        runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRestore").task().hasCandidateGroup("approvers");
        decide(instance, "bob", true);
        runJobs();
        return instance;
    }

    /** A variable of the process instance's own scope (not a step's local one). */
    private Object processVariable(ProcessInstance instance, String name) {
        return historyService().createHistoricVariableInstanceQuery().processInstanceId(instance.getId())
                .variableName(name).list().stream().filter(v -> instance.getId().equals(v.getActivityInstanceId()))
                .findFirst().orElseThrow().getValue();
    }

    private Object outcome(ProcessInstance instance) {
        return historyService().createHistoricVariableInstanceQuery().processInstanceId(instance.getId())
                .variableName("runOutcome").singleResult().getValue();
    }

    @Test
    void shouldRestoreAfterApprovalAndASafetyBackup() {
        ProcessInstance instance = approvedRun();

        assertThat(instance).hasPassedInOrder("Task_FindBackup", "Task_ApproveRestore", "Task_SafetyBackup",
                "Task_RestoreBackup", "Task_VerifyRestore", "EndEvent_Restored").isEnded().variables()
                .containsEntry("approvedBy", "bob").containsEntry("safetyDbBackupId", "safety-1");
        assertThat(processVariable(instance, "dbBackupId")).as("the safety backup's id stays in its step")
                .isEqualTo("b-1");
        assertThat(restoredBackup).containsEntry("Task_RestoreBackup", "b-1");
        assertThat(outcome(instance)).isEqualTo("RESTORED");
        assertThat(calls).doesNotContain("Task_RestoreSafetyBackup");
    }

    @Test
    void shouldPutTheSafetyBackupBackWhenTheRestoredCountsDiffer() {
        failing.add("Task_VerifyRestore");
        ProcessInstance instance = approvedRun();

        assertThat(instance).hasPassed("Task_RestoreSafetyBackup", "EndEvent_Reverted").isEnded();
        assertThat(restoredBackup).containsEntry("Task_RestoreSafetyBackup", "safety-1");
        assertThat(calls).containsSubsequence("Task_RestoreBackup", "Task_VerifyRestore", "Task_RestoreSafetyBackup");
        assertThat(outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldEndRevertedWhenTheRestoreFailsAndHasUndoneItself() {
        failing.add("Task_RestoreBackup");
        ProcessInstance instance = approvedRun();

        assertThat(instance).hasPassed("EndEvent_Reverted").hasNotPassed("Task_VerifyRestore",
                "Task_RestoreSafetyBackup").isEnded();
        assertThat(outcome(instance)).isEqualTo("REVERTED");
    }

    @Test
    void shouldLeaveAnIncidentWhenPuttingTheSafetyBackupBackFails() {
        failing.add("Task_VerifyRestore");
        failing.add("Task_RestoreSafetyBackup");
        ProcessInstance instance = approvedRun();

        assertThat(instance).isNotEnded();
        assertThat(runtimeService().createIncidentQuery().processInstanceId(instance.getId()).singleResult()
                .getActivityId()).isEqualTo("IntermediateThrowEvent_UndoRestore");
    }

    @Test
    void shouldRefuseADamagedBackupBeforeAskingForApprovalAndRaiseAnAlert() {
        failing.add("Task_FindBackup");
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance).hasPassed("EndEvent_NotStarted").hasNotPassed("Task_ApproveRestore").isEnded();
        assertThat(outcome(instance)).isEqualTo("FAILED");
        assertThat(alerts).containsExactly("EndEvent_NotStarted");
    }

    @Test
    void shouldChangeNothingWhenTheSafetyBackupFails() {
        failing.add("Task_SafetyBackup");
        ProcessInstance instance = approvedRun();

        assertThat(instance).hasPassed("EndEvent_SafetyBackupFailed").hasNotPassed("Task_RestoreBackup").isEnded();
        assertThat(outcome(instance)).isEqualTo("FAILED");
        assertThat(alerts).containsExactly("EndEvent_SafetyBackupFailed");
    }

    @Test
    void shouldEndRejectedOrExpiredWithoutTouchingTheDatabase() {
        ProcessInstance rejected = start();
        runJobs();
        decide(rejected, "bob", false);
        assertThat(rejected).hasPassed("EndEvent_Rejected").hasNotPassed("Task_SafetyBackup").isEnded();
        assertThat(outcome(rejected)).isEqualTo("REJECTED");

        ProcessInstance expired = start();
        runJobs();
        managementService().executeJob(managementService().createJobQuery().processInstanceId(expired.getId())
                .timers().singleResult().getId());
        assertThat(expired).hasPassed("EndEvent_Expired").isEnded();
        assertThat(outcome(expired)).isEqualTo("EXPIRED");
        assertThat(calls).doesNotContain("Task_SafetyBackup", "Task_RestoreBackup");
    }

    @Test
    void shouldRefuseTheRequesterApprovingTheirOwnRestore() {
        ProcessInstance instance = start();
        runJobs();

        assertThatThrownBy(() -> decide(instance, "alice", true)).hasRootCauseInstanceOf(
                FourEyesTaskListener.FourEyesViolationException.class);
        assertThat(instance).isWaitingAt("Task_ApproveRestore");
    }
}

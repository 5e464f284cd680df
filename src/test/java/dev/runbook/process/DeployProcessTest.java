package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.externalTaskService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.task;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.taskService;

import dev.runbook.approval.FourEyesTaskListener;
import dev.runbook.config.RunbookProperties;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.community.process_test_coverage.junit5.platform7.ProcessEngineCoverageExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every path of {@code bpmn/deploy.bpmn} on an in-memory engine, with the delegates replaced by recording stubs
 * (the real tools are exercised by DeployEndToEndTest). Each job is executed by the test, so the order of steps,
 * compensation handlers included, is exactly what the model does.
 */
@Deployment(resources = "bpmn/deploy.bpmn")
class DeployProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;
    private List<String> calls;
    private Set<String> failing;
    private final Map<String, Object> resolved = new java.util.HashMap<>(Map.of(
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

    @BeforeEach
    void stubDelegates() {
        stubs = new StubbedRun()
                .outputs("resolveReleaseDelegate", resolved)
                .outputs("dbBackupDelegate", Map.of("dbBackupId", "20250101_020000_manual"));
        calls = stubs.calls;
        failing = stubs.failing;
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
    }

    private ProcessInstance start(boolean approvalRequired) {
        return StubbedRun.start("deploy", "gitRef", "v2", "components", "all", "approvalRequired", approvalRequired);
    }

    private void runJobs() {
        StubbedRun.runJobs();
    }

    private void approveAs(ProcessInstance instance, String user, boolean approved) {
        StubbedRun.decide(instance, user, approved);
    }

    private Object outcome(ProcessInstance instance) {
        return StubbedRun.outcome(instance);
    }

    @Test
    void shouldDeployAfterApproval() {
        ProcessInstance instance = start(true);
        runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRelease").task().hasCandidateGroup("approvers");

        approveAs(instance, "bob", true);
        runJobs();

        assertThat(instance)
                .hasPassedInOrder(
                        "Task_ResolveRelease",
                        "Task_ApproveRelease",
                        "Task_PrepareRelease",
                        "Task_InstallAndBuild",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "Task_RecordRelease",
                        "EndEvent_Deployed")
                .isEnded()
                .variables()
                .containsEntry("approvedBy", "bob");
        assertThat(outcome(instance)).isEqualTo("DEPLOYED");
        assertThat(calls).doesNotContain("Task_SwitchBack", "Task_DiscardRelease");
    }

    @Test
    void shouldLetOnlyTheTargetsApproverGroupDecide() {
        resolved.put("approvalGroup", "prodapprovers");
        ProcessInstance instance = start(true);
        runJobs();
        assertThat(instance).isWaitingAt("Task_ApproveRelease").task().hasCandidateGroup("prodapprovers");

        assertThatThrownBy(() -> StubbedRun.decide(instance, "bob", List.of("approvers"), true))
                .as("an approver of other targets, deciding in Tasklist")
                .hasRootCauseInstanceOf(FourEyesTaskListener.FourEyesViolationException.class)
                .rootCause()
                .hasMessageContaining("bob is not in a group that may decide this approval ([prodapprovers])");
        assertThat(instance).isWaitingAt("Task_ApproveRelease");

        StubbedRun.decide(instance, "carol", List.of("approvers", "prodapprovers"), true);
        runJobs();
        assertThat(instance).hasPassed("EndEvent_Deployed").variables().containsEntry("decidedBy", "carol");
    }

    @Test
    void shouldSkipApprovalWhenTargetDoesNotRequireIt() {
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasNotPassed("Task_ApproveRelease")
                .hasPassed("EndEvent_Deployed")
                .isEnded();
    }

    @Test
    void shouldRefuseTheRequesterDecidingTheirOwnApproval() {
        ProcessInstance instance = start(true);
        runJobs();
        assertThatThrownBy(() -> approveAs(instance, "alice", true))
                .hasRootCauseInstanceOf(FourEyesTaskListener.FourEyesViolationException.class);
        assertThat(instance).isWaitingAt("Task_ApproveRelease");
    }

    @Test
    void shouldEndRejectedWithoutChangingAnything() {
        ProcessInstance instance = start(true);
        runJobs();
        approveAs(instance, "bob", false);
        runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_Rejected")
                .hasNotPassed("Task_PrepareRelease")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("REJECTED");
    }

    @Test
    void shouldDueTheApprovalWhenItsTimeoutTimerFires() {
        ProcessInstance instance = start(true);
        runJobs();
        Job timer = managementService().createJobQuery().timers().singleResult();
        java.util.Date due = org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.task(instance)
                .getDueDate();
        assertThat(due).isCloseTo(timer.getDuedate(), 2000);
    }

    @Test
    void shouldExpireWhenNobodyDecidesInTime() {
        ProcessInstance instance = start(true);
        runJobs();
        Job timer = managementService().createJobQuery().timers().singleResult();
        managementService().executeJob(timer.getId());
        assertThat(instance).hasPassed("EndEvent_Expired").isEnded();
        assertThat(outcome(instance)).isEqualTo("EXPIRED");
    }

    @Test
    void shouldFailBeforeApprovalWhenPreconditionFails() {
        failing.add("Task_ResolveRelease");
        ProcessInstance instance = start(true);
        runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_NotStarted")
                .hasNotPassed("Task_ApproveRelease")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("FAILED");
    }

    @Test
    void shouldEndFailedWithNothingChangedWhenPreparingTheReleaseFails() {
        failing.add("Task_PrepareRelease");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_NothingChanged")
                .hasNotPassed("Task_InstallAndBuild", "Task_SwitchRelease", "EndEvent_RolledBack")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("FAILED");
        assertThat(calls).doesNotContain("Task_DiscardRelease", "Task_SwitchBack");
    }

    @Test
    void shouldRollBackWhenHealthCheckFails() {
        failing.add("Task_HealthCheck");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_RolledBack")
                .hasNotPassed("Task_RecordRelease")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(calls)
                .containsSubsequence(
                        "Task_HealthCheck",
                        "Task_SwitchBack",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease",
                        "Task_DiscardRelease");
        assertThat(calls).doesNotContain("Task_RestoreDatabase");
    }

    @Test
    void shouldOnlyDiscardTheNewReleaseWhenBuildFails() {
        failing.add("Task_InstallAndBuild");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed("Task_DiscardRelease", "EndEvent_RolledBack")
                .hasNotPassed("Task_SwitchRelease", "Task_SwitchBack", "Task_Pm2Reload")
                .isEnded();
        assertThat(calls)
                .filteredOn(step -> step.equals("Task_DiscardRelease")
                        || step.equals("Task_SwitchBack")
                        || step.equals("Task_RestoreDatabase"))
                .containsExactly("Task_DiscardRelease");
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldRollBackWhenPm2ReloadFails() {
        failing.add("Task_Pm2Reload");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed(
                        "Task_SwitchBack", "Task_ReloadPreviousRelease", "Task_DiscardRelease", "EndEvent_RolledBack")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldNotSwitchBackNorReloadWhenTheSwitchWasRefused() {
        failing.add("Task_SwitchRelease");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed("Task_DiscardRelease", "EndEvent_RolledBack")
                .hasNotPassed("Task_SwitchBack", "Task_Pm2Reload", "Task_ReloadPreviousRelease")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldLeaveAnIncidentWhenTheUndoItselfFails() {
        failing.add("Task_HealthCheck");
        stubs.broken.put("Task_SwitchBack", "cannot switch current back");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance).isNotEnded();
        assertThat(runtimeService()
                        .createIncidentQuery()
                        .processInstanceId(instance.getId())
                        .singleResult()
                        .getActivityId())
                .as("the failed undo step itself, a host-bound step")
                .isEqualTo("Task_SwitchBack");
        assertThat(calls).doesNotContain("Task_ReloadPreviousRelease", "Task_DiscardRelease");
    }

    private void withDatabaseAndMigration() {
        resolved.put("migrationRequired", true);
        resolved.put("databaseBackupRequired", true);
    }

    @Test
    void shouldSkipTheDatabaseStepsWhenNoComponentMigrates() {
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed("EndEvent_Deployed")
                .hasNotPassed("Task_DatabaseBackup", "Task_Migrate")
                .isEnded();
    }

    @Test
    void shouldBackUpTheDatabaseAndMigrateAfterBuildBeforeTheSwitch() {
        withDatabaseAndMigration();
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassedInOrder(
                        "Task_PrepareRelease",
                        "Task_InstallAndBuild",
                        "Task_DatabaseBackup",
                        "Task_Migrate",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "EndEvent_Deployed")
                .isEnded()
                .variables()
                .containsEntry("dbBackupId", "20250101_020000_manual");
        assertThat(calls).doesNotContain("Task_RestoreDatabase");
    }

    @Test
    void shouldMigrateWithoutBackupWhenTheTargetHasNoDatabase() {
        resolved.put("migrationRequired", true);
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance).hasPassed("Task_Migrate", "EndEvent_Deployed").hasNotPassed("Task_DatabaseBackup");
    }

    @Test
    void shouldBringThePreviousReleaseBackThenRestoreTheDatabase() {
        withDatabaseAndMigration();
        failing.add("Task_HealthCheck");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance).hasPassed("EndEvent_RolledBack").isEnded();
        assertThat(calls)
                .containsSubsequence(
                        "Task_Migrate",
                        "Task_HealthCheck",
                        "Task_SwitchBack",
                        "Task_ReloadPreviousRelease",
                        "Task_HealthCheckPreviousRelease",
                        "Task_RestoreDatabase",
                        "Task_DiscardRelease");
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldNotCompensateAMigrationThatFailedAndUndidItself() {
        withDatabaseAndMigration();
        failing.add("Task_Migrate");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassed("Task_DiscardRelease", "EndEvent_RolledBack")
                .hasNotPassed("Task_RestoreDatabase", "Task_SwitchRelease", "Task_SwitchBack", "Task_Pm2Reload")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
    }

    @Test
    void shouldDiscardThePreparedReleaseAndEndFailedWhenTheDatabaseBackupFails() {
        withDatabaseAndMigration();
        failing.add("Task_DatabaseBackup");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance)
                .hasPassedInOrder("Task_DatabaseBackup", "Task_DiscardRelease", "EndEvent_DatabaseBackupFailed")
                .hasNotPassed("Task_Migrate", "Task_SwitchRelease", "Task_Pm2Reload", "EndEvent_RolledBack")
                .isEnded();
        assertThat(calls).doesNotContain("Task_SwitchBack", "Task_RestoreDatabase");
        assertThat(outcome(instance)).isEqualTo("FAILED");
    }

    @Test
    void shouldBuildEveryHostBeforeSwitchingAnyThenSwitchThemOneByOne() {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("DEPLOYED");
        assertThat(stubs.hostCalls)
                .containsExactly(
                        "Task_PrepareRelease@web-1",
                        "Task_InstallAndBuild@web-1",
                        "Task_PrepareRelease@web-2",
                        "Task_InstallAndBuild@web-2",
                        "Task_SwitchRelease@web-1",
                        "Task_Pm2Reload@web-1",
                        "Task_HealthCheck@web-1",
                        "Task_SwitchRelease@web-2",
                        "Task_Pm2Reload@web-2",
                        "Task_HealthCheck@web-2",
                        "Task_PruneReleases@web-1",
                        "Task_PruneReleases@web-2");
        assertThat(calls).containsOnlyOnce("Task_RecordRelease");
    }

    @Test
    void shouldRollEveryHostBackLastSwitchedFirstWhenTheSecondHostFailsItsCheck() {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.failingOn.put("Task_HealthCheck", "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls)
                .containsSubsequence(
                        "Task_HealthCheck@web-1",
                        "Task_SwitchRelease@web-2",
                        "Task_Pm2Reload@web-2",
                        "Task_HealthCheck@web-2",
                        "Task_SwitchBack@web-2",
                        "Task_ReloadPreviousRelease@web-2",
                        "Task_HealthCheckPreviousRelease@web-2",
                        "Task_SwitchBack@web-1",
                        "Task_ReloadPreviousRelease@web-1",
                        "Task_HealthCheckPreviousRelease@web-1",
                        "Task_DiscardRelease@web-2",
                        "Task_DiscardRelease@web-1")
                .endsWith("Task_DiscardRelease@web-1");
        assertThat(calls).doesNotContain("Task_RecordRelease");
        assertThat(historyService()
                        .createHistoricVariableInstanceQuery()
                        .processInstanceId(instance.getId())
                        .variableName(ProcessVariables.FAILED_STEP)
                        .singleResult()
                        .getValue())
                .isEqualTo("Task_HealthCheck");
    }

    @Test
    void shouldSwitchTheHostsOfABatchAtOnceAndTheNextBatchOnlyAfterIt() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        stubs.batch = 2;
        List<Long> openSwitches = new java.util.ArrayList<>();
        stubs.effect(
                "switchReleaseDelegate",
                vars -> openSwitches.add(externalTaskService()
                        .createExternalTaskQuery()
                        .activityId("Task_SwitchRelease")
                        .count()));
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("DEPLOYED");
        assertThat(openSwitches).as("web-1 and web-2 at once, then web-3 alone").containsExactly(2L, 1L, 1L);
        int lastOfFirstBatch = Math.max(
                stubs.hostCalls.indexOf("Task_HealthCheck@web-1"), stubs.hostCalls.indexOf("Task_HealthCheck@web-2"));
        assertThat(stubs.hostCalls.indexOf("Task_SwitchRelease@web-3"))
                .as("the next batch starts once the whole batch passed its check")
                .isGreaterThan(lastOfFirstBatch);
        assertThat(calls).containsOnlyOnce("Task_RecordRelease");
    }

    @Test
    void shouldRollBackEveryHostOfTheBatchWhenOneOfItFails() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        stubs.batch = 2;
        stubs.failingOn.put("Task_HealthCheck", "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls)
                .contains("Task_SwitchBack@web-1", "Task_SwitchBack@web-2")
                .doesNotContain("Task_SwitchRelease@web-3", "Task_SwitchBack@web-3")
                .endsWith("Task_DiscardRelease@web-3", "Task_DiscardRelease@web-2", "Task_DiscardRelease@web-1");
    }

    @Test
    void shouldSwitchBackAHostWhoseSwitchAnotherHostsFailureEnded() {
        // web-2's switch runs first and is refused while web-1's switch still waits: on a real host web-1's agent may
        // be switching it at that moment, so web-1 is switched back; web-2, which changed nothing, is not
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.batch = 2;
        stubs.firstHost = "web-2";
        stubs.failingOn.put("Task_SwitchRelease", "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls)
                .doesNotContain("Task_SwitchRelease@web-1", "Task_SwitchBack@web-2")
                .contains("Task_SwitchBack@web-1");
    }

    @Test
    void shouldReloadTheAppsOfAHostWhoseReloadAnotherHostsFailureEnded() {
        // web-1 switches, then web-2 goes first: its check fails while web-1's reload waits (on a real host its agent
        // may be reloading): web-1's apps count as reloaded, so its rollback reloads the previous release
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.batch = 2;
        stubs.failingOn.put("Task_HealthCheck", "web-2");
        stubs.effect("switchReleaseDelegate", vars -> {
            if ("web-1".equals(vars.get("host"))) {
                stubs.firstHost = "web-2";
            }
        });
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls)
                .doesNotContain("Task_Pm2Reload@web-1")
                .contains("Task_SwitchBack@web-1", "Task_ReloadPreviousRelease@web-1");
        assertThat(historyService()
                        .createHistoricVariableInstanceQuery()
                        .processInstanceId(instance.getId())
                        .variableName("appsReloaded.web-1")
                        .singleResult()
                        .getValue())
                .isEqualTo("true");
    }

    @Test
    void shouldCountASwitchThatAnotherHostsFailureEndedAsDoneButNotTheFailedOne() {
        // web-2 refuses its switch: whichever of the two ran first, web-1's switch is done or was ended while its
        // agent may have been doing it; web-1 is switched back, web-2 (which changed nothing) is not
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.batch = 2;
        stubs.failingOn.put("Task_SwitchRelease", "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls).contains("Task_SwitchBack@web-1").doesNotContain("Task_SwitchBack@web-2");
    }

    /** A deploy over web-1 and web-2 with rollout.on-failure: ask, where {@code step} fails on web-2: it waits. */
    private ProcessInstance waitingForADecisionOnWeb2(String step) {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.onFailure = RunbookProperties.Rollout.OnFailure.ASK;
        stubs.failingOn.put(step, "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance).isWaitingAt("Task_DecideHostFailure").task().hasCandidateGroup("operators");
        return instance;
    }

    @Test
    void shouldAskAnOperatorWhenAHostFailsAndRollEveryHostBackWhenToldSo() {
        ProcessInstance instance = waitingForADecisionOnWeb2("Task_HealthCheck");
        assertThat(taskService().getVariable(task(instance).getId(), "host")).isEqualTo("web-2");
        assertThat(stubs.hostCalls)
                .as("nothing undone while the operator decides")
                .doesNotContain("Task_SwitchBack@web-1");

        StubbedRun.decideHost(instance, "rollback");
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls).containsSubsequence("Task_SwitchBack@web-2", "Task_SwitchBack@web-1");
        assertThat(historyService()
                        .createHistoricVariableInstanceQuery()
                        .processInstanceId(instance.getId())
                        .variableName(ProcessVariables.FAILED_STEP)
                        .singleResult()
                        .getValue())
                .as("the run still names the host's failure")
                .isEqualTo("Task_HealthCheck");
    }

    @Test
    void shouldRetryTheFailedHostWhenTheOperatorSaysSoAndGoOn() {
        ProcessInstance instance = waitingForADecisionOnWeb2("Task_HealthCheck");

        // the operator fixed what made web-2 fail, then retries it
        stubs.failingOn.clear();
        StubbedRun.decideHost(instance, "retry");
        runJobs();
        assertThat(outcome(instance)).isEqualTo("DEPLOYED");
        assertThat(stubs.hostCalls)
                .endsWith(
                        "Task_HealthCheck@web-2",
                        "Task_SwitchRelease@web-2",
                        "Task_Pm2Reload@web-2",
                        "Task_HealthCheck@web-2",
                        "Task_PruneReleases@web-1",
                        "Task_PruneReleases@web-2")
                .doesNotContain("Task_SwitchBack@web-1", "Task_SwitchBack@web-2");
        assertThat(runtimeService()
                        .createProcessInstanceQuery()
                        .processInstanceId(instance.getId())
                        .count())
                .isZero();
        assertThat(historyService()
                        .createHistoricVariableInstanceQuery()
                        .processInstanceId(instance.getId())
                        .variableName(ProcessVariables.FAILED_STEP)
                        .list()
                        .stream()
                        .filter(variable -> !"DELETED".equals(variable.getState()))
                        .toList())
                .as("the retried failure no longer stands")
                .isEmpty();
    }

    @Test
    void shouldRollEveryHostBackWhenNoOneDecidesInTime() {
        ProcessInstance instance = waitingForADecisionOnWeb2("Task_SwitchRelease");
        managementService()
                .executeJob(managementService()
                        .createJobQuery()
                        .processInstanceId(instance.getId())
                        .timers()
                        .singleResult()
                        .getId());
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls).contains("Task_SwitchBack@web-1").doesNotContain("Task_SwitchBack@web-2");
    }

    @Test
    void shouldSwitchNoHostAndDiscardEveryPreparedOneWhenTheSecondHostsBuildFails() {
        stubs.hosts.addAll(List.of("web-1", "web-2", "web-3"));
        stubs.failingOn.put("Task_InstallAndBuild", "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(outcome(instance)).isEqualTo("ROLLED_BACK");
        assertThat(stubs.hostCalls)
                .containsExactly(
                        "Task_PrepareRelease@web-1",
                        "Task_InstallAndBuild@web-1",
                        "Task_PrepareRelease@web-2",
                        "Task_InstallAndBuild@web-2",
                        "Task_DiscardRelease@web-2",
                        "Task_DiscardRelease@web-1");
    }

    @Test
    void shouldEndWithNothingChangedWhenTheSecondHostCannotBePrepared() {
        stubs.hosts.addAll(List.of("web-1", "web-2"));
        stubs.failingOn.put("Task_PrepareRelease", "web-2");
        ProcessInstance instance = start(false);
        runJobs();
        assertThat(instance).hasPassed("EndEvent_NothingChanged");
        assertThat(outcome(instance)).isEqualTo("FAILED");
        assertThat(stubs.hostCalls).endsWith("Task_PrepareRelease@web-2", "Task_DiscardRelease@web-1");
    }
}

package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.identityService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.withVariables;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.runtime.Incident;
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
 * Every path of {@code bpmn/db-backup.bpmn} on an in-memory engine with recording stubs for the delegates (the real
 * dump tools are exercised by the database end-to-end tests).
 */
@Deployment(resources = "bpmn/db-backup.bpmn")
class DbBackupProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9).build();

    private final List<String> calls = new ArrayList<>();
    private final Set<String> failing = new HashSet<>();
    private boolean goodBackupExists;

    @BeforeEach
    void stubDelegates() {
        Mocks.register(RunOutcomes.BEAN, new RunOutcomes());
        stub("dbDumpDelegate", Map.of("dbBackupId", "20250101_020000_daily"));
        stub("dbVerifyBackupDelegate", Map.of());
        stub("dbRetentionDelegate", Map.of());
        stub("dbBackupFailureDelegate", Map.of("runOutcome", "FAILED"));
        Mocks.register("dbAwaitGoodBackupDelegate", (JavaDelegate) execution -> {
            calls.add(execution.getCurrentActivityId());
            if (!goodBackupExists) {
                throw new IllegalStateException("database backup of shop failed; take a backup, then retry");
            }
        });
    }

    @AfterEach
    void reset() {
        Mocks.reset();
    }

    private void stub(String bean, Map<String, Object> outputs) {
        Mocks.register(bean, (JavaDelegate) execution -> {
            String step = execution.getCurrentActivityId();
            calls.add(step);
            if (failing.contains(step)) {
                execution.setVariable("failureCode", BpmnErrors.BACKUP_FAILED);
                throw new BpmnError(BpmnErrors.BACKUP_FAILED, step + " failed");
            }
            execution.setVariables(outputs);
        });
    }

    private ProcessInstance start() {
        identityService().setAuthenticatedUserId("alice");
        try {
            return runtimeService().startProcessInstanceByKey("db-backup", "shop:db-backup daily",
                    withVariables("target", "shop", "scheduleClass", "daily"));
        } finally {
            identityService().clearAuthentication();
        }
    }

    /** Executes due jobs; a job that fails technically has its retries set to 0, as the engine does eventually. */
    private void runJobs() {
        for (int i = 0; i < 20; i++) {
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
        throw new AssertionError("run did not settle after 20 jobs");
    }

    private Object outcome(ProcessInstance instance) {
        return historyService().createHistoricVariableInstanceQuery().processInstanceId(instance.getId())
                .variableName("runOutcome").singleResult().getValue();
    }

    @Test
    void shouldDumpVerifyAndApplyRetentionWhenTheDumpSucceeds() {
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance).hasPassedInOrder("Task_DumpDatabase", "Task_VerifyBackup", "Task_ApplyRetention",
                "EndEvent_BackedUp").isEnded().variables().containsEntry("requestedBy", "alice")
                .containsEntry("dbBackupId", "20250101_020000_daily");
        assertThat(outcome(instance)).isEqualTo("BACKED_UP");
        assertThat(calls).doesNotContain("Task_ReportBackupFailure");
    }

    @Test
    void shouldEndFailedWithAnIncidentUntilAGoodBackupExistsWhenTheDumpFails() {
        failing.add("Task_DumpDatabase");
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance).hasPassed("Task_ReportBackupFailure").hasNotPassed("Task_VerifyBackup",
                "Task_ApplyRetention").isNotEnded().variables().containsEntry("runOutcome", "FAILED");
        Incident incident = runtimeService().createIncidentQuery().processInstanceId(instance.getId()).singleResult();
        assertThat(incident.getActivityId()).isEqualTo("Task_AwaitGoodBackup");
        assertThat(incident.getIncidentMessage()).contains("take a backup");

        goodBackupExists = true;
        managementService().setJobRetries(incident.getConfiguration(), 1);
        runJobs();
        assertThat(instance).hasPassed("EndEvent_Failed").isEnded();
        assertThat(outcome(instance)).isEqualTo("FAILED");
    }

    @Test
    void shouldNeverReachBackedUpWhenVerificationFails() {
        failing.add("Task_VerifyBackup");
        goodBackupExists = true;
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance).hasPassedInOrder("Task_DumpDatabase", "Task_VerifyBackup", "Task_ReportBackupFailure",
                "Task_AwaitGoodBackup", "EndEvent_Failed").hasNotPassed("Task_ApplyRetention", "EndEvent_BackedUp")
                .isEnded();
        assertThat(outcome(instance)).isEqualTo("FAILED");
    }
}

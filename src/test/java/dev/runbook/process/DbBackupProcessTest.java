package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.util.Map;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
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
            .assertClassCoverageAtLeast(0.9)
            .build();

    private StubbedRun stubs;

    @BeforeEach
    void stubDelegates() {
        stubs = new StubbedRun()
                .outputs("dbDumpDelegate", Map.of("dbBackupId", "20250101_020000_daily"))
                .outputs("dbBackupFailureDelegate", Map.of("runOutcome", "FAILED"));
        stubs.broken.put("Task_AwaitGoodBackup", "database backup of shop failed; take a backup, then retry");
    }

    @AfterEach
    void reset() {
        StubbedRun.reset();
    }

    private static ProcessInstance start() {
        return StubbedRun.start("db-backup", "scheduleClass", "daily");
    }

    private static void runJobs() {
        StubbedRun.runJobs();
    }

    @Test
    void shouldDumpVerifyAndApplyRetentionWhenTheDumpSucceeds() {
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance)
                .hasPassedInOrder("Task_DumpDatabase", "Task_VerifyBackup", "Task_ApplyRetention", "EndEvent_BackedUp")
                .isEnded()
                .variables()
                .containsEntry("requestedBy", "alice")
                .containsEntry("dbBackupId", "20250101_020000_daily");
        assertThat(StubbedRun.outcome(instance)).isEqualTo("BACKED_UP");
        assertThat(stubs.calls).doesNotContain("Task_ReportBackupFailure");
    }

    @Test
    void shouldEndFailedWithAnIncidentUntilAGoodBackupExistsWhenTheDumpFails() {
        stubs.failing.add("Task_DumpDatabase");
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance)
                .hasPassed("Task_ReportBackupFailure")
                .hasNotPassed("Task_VerifyBackup", "Task_ApplyRetention")
                .isNotEnded()
                .variables()
                .containsEntry("runOutcome", "FAILED");
        Incident incident = runtimeService()
                .createIncidentQuery()
                .processInstanceId(instance.getId())
                .singleResult();
        assertThat(incident.getActivityId()).isEqualTo("Task_AwaitGoodBackup");
        assertThat(incident.getIncidentMessage()).contains("take a backup");

        stubs.broken.remove("Task_AwaitGoodBackup");
        managementService().setJobRetries(incident.getConfiguration(), 1);
        runJobs();
        assertThat(instance).hasPassed("EndEvent_Failed").isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("FAILED");
    }

    @Test
    void shouldNeverReachBackedUpWhenVerificationFails() {
        stubs.failing.add("Task_VerifyBackup");
        stubs.broken.remove("Task_AwaitGoodBackup");
        ProcessInstance instance = start();
        runJobs();

        assertThat(instance)
                .hasPassedInOrder(
                        "Task_DumpDatabase",
                        "Task_VerifyBackup",
                        "Task_ReportBackupFailure",
                        "Task_AwaitGoodBackup",
                        "EndEvent_Failed")
                .hasNotPassed("Task_ApplyRetention", "EndEvent_BackedUp")
                .isEnded();
        assertThat(StubbedRun.outcome(instance)).isEqualTo("FAILED");
    }
}

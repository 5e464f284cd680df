package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.processEngine;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.repositoryService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.taskService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.withVariables;

import dev.runbook.database.DbBackupSchedules;
import dev.runbook.run.RunLauncher;
import dev.runbook.schedule.DbBackupScheduleStarter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
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
 * {@code bpmn/db-backup-schedule.bpmn} on an in-memory engine: a timer per enabled schedule class, due at the next
 * time of the target's cron (Camunda's cron parser), each firing starting a db-backup run of its class and waiting
 * again; and the start-up reconciliation that makes a changed schedule take effect.
 */
@Deployment(resources = "bpmn/db-backup-schedule.bpmn")
class DbBackupScheduleProcessTest {

    @RegisterExtension
    static ProcessEngineCoverageExtension engine = ProcessEngineCoverageExtension.builder("process-test-engine.cfg.xml")
            .assertClassCoverageAtLeast(0.9)
            .build();

    private static final Map<String, String> CRONS =
            Map.of("daily", "0 0 2 * * ?", "weekly", "off", "monthly", "0 0 4 1 * ?");

    private final List<String> started = new ArrayList<>();
    private boolean failStart;

    @BeforeEach
    void stubDelegates() {
        Mocks.register("dbBackupSchedules", new DbBackupSchedules());
        Mocks.register("dbScheduledBackupDelegate", (JavaDelegate) execution -> {
            if (failStart) {
                failStart = false;
                throw new BpmnError(BpmnErrors.COMMAND_FAILED, "could not start");
            }
            started.add((String) execution.getVariable("scheduleClass"));
        });
    }

    @AfterEach
    void reset() {
        Mocks.reset();
    }

    private ProcessInstance start() {
        return start(CRONS);
    }

    private ProcessInstance start(Map<String, String> crons) {
        return runtimeService()
                .startProcessInstanceByKey(
                        "db-backup-schedule",
                        "shop:db-backup-schedule",
                        withVariables(
                                "target",
                                "shop",
                                "dailyCron",
                                crons.get("daily"),
                                "weeklyCron",
                                crons.get("weekly"),
                                "monthlyCron",
                                crons.get("monthly")));
    }

    private Job timer(ProcessInstance instance, String activityId) {
        return managementService()
                .createJobQuery()
                .processInstanceId(instance.getId())
                .timers()
                .activityId(activityId)
                .singleResult();
    }

    /** Fires a timer now and runs the step it leads to. */
    private void fire(Job timer) {
        managementService().executeJob(timer.getId());
        for (Job job :
                managementService().createJobQuery().executable().messages().list()) {
            managementService().executeJob(job.getId());
        }
    }

    @Test
    void shouldWaitOnATimerPerEnabledClassDueAtTheCronsNextTime() {
        Instant now = Instant.now();
        ProcessInstance instance = start();

        assertThat(instance)
                .hasPassed("EndEvent_WeeklyOff")
                .isWaitingAt("IntermediateCatchEvent_DailyDue", "IntermediateCatchEvent_MonthlyDue");
        assertThat(timer(instance, "IntermediateCatchEvent_DailyDue")
                        .getDuedate()
                        .toInstant())
                .isEqualTo(
                        DbBackupSchedules.fireTimes(CRONS.get("daily"), now, 1).get(0));
        assertThat(timer(instance, "IntermediateCatchEvent_MonthlyDue")
                        .getDuedate()
                        .toInstant())
                .isEqualTo(DbBackupSchedules.fireTimes(CRONS.get("monthly"), now, 1)
                        .get(0));
        assertThat(timer(instance, "IntermediateCatchEvent_WeeklyDue")).isNull();
    }

    @Test
    void shouldStartABackupOfTheTimersClassEachTimeItFiresAndWaitForTheNextTime() {
        ProcessInstance instance = start();

        fire(timer(instance, "IntermediateCatchEvent_DailyDue"));
        fire(timer(instance, "IntermediateCatchEvent_MonthlyDue"));
        fire(timer(instance, "IntermediateCatchEvent_DailyDue"));

        assertThat(started).containsExactly("daily", "monthly", "daily");
        assertThat(instance).isWaitingAt("IntermediateCatchEvent_DailyDue", "IntermediateCatchEvent_MonthlyDue");
        assertThat(timer(instance, "IntermediateCatchEvent_DailyDue").getDuedate())
                .isInTheFuture();
    }

    @Test
    void shouldKeepEachScheduleWhenStartingABackupFails() {
        ProcessInstance instance =
                start(Map.of("daily", "0 0 2 * * ?", "weekly", "0 0 3 ? * SUN", "monthly", "0 0 4 1 * ?"));
        for (String scheduleClass : List.of("Daily", "Weekly", "Monthly")) {
            failStart = true;
            fire(timer(instance, "IntermediateCatchEvent_" + scheduleClass + "Due"));
            assertThat(instance).hasPassed("BoundaryEvent_Start" + scheduleClass + "BackupFailed");
            fire(timer(instance, "IntermediateCatchEvent_" + scheduleClass + "Due"));
        }
        assertThat(started).containsExactly("daily", "weekly", "monthly");
        assertThat(instance)
                .isWaitingAt(
                        "IntermediateCatchEvent_DailyDue",
                        "IntermediateCatchEvent_WeeklyDue",
                        "IntermediateCatchEvent_MonthlyDue");
    }

    @Test
    void shouldEndWithoutTimersWhenEveryClassIsOff() {
        ProcessInstance instance = start(Map.of("daily", "off", "weekly", "off", "monthly", "off"));

        assertThat(instance)
                .hasPassed("EndEvent_DailyOff", "EndEvent_WeeklyOff", "EndEvent_MonthlyOff")
                .isEnded();
    }

    @Test
    void shouldReplaceTheScheduleOnRestartOnlyWhenItsCronsChanged() {
        DbBackupScheduleStarter starter = new DbBackupScheduleStarter(
                null,
                runtimeService(),
                repositoryService(),
                new RunLauncher(runtimeService(), taskService(), null, processEngine(), null, null));

        assertThat(starter.reconcile(Map.of("shop", CRONS, "blog", CRONS))).isEqualTo(2);
        String shopSchedule = schedule("shop").getId();
        assertThat(starter.reconcile(Map.of("shop", CRONS, "blog", CRONS)))
                .as("unchanged: kept")
                .isZero();
        assertThat(schedule("shop").getId()).isEqualTo(shopSchedule);

        Map<String, String> changed = Map.of("daily", "0 30 1 * * ?", "weekly", "off", "monthly", "off");
        assertThat(starter.reconcile(Map.of("shop", changed))).isEqualTo(1);
        ProcessInstance replaced = schedule("shop");
        assertThat(replaced.getId()).isNotEqualTo(shopSchedule);
        assertThat(runtimeService().getVariable(replaced.getId(), "dailyCron")).isEqualTo("0 30 1 * * ?");
        assertThat(replaced).isWaitingAt("IntermediateCatchEvent_DailyDue");
        assertThat(timer(replaced, "IntermediateCatchEvent_DailyDue")
                        .getDuedate()
                        .toInstant())
                .isBefore(Instant.now().plus(Duration.ofDays(1)));
        assertThat(runtimeService()
                        .createProcessInstanceQuery()
                        .processDefinitionKey("db-backup-schedule")
                        .variableValueEquals("target", "blog")
                        .count())
                .as("target without database: cancelled")
                .isZero();
    }

    private ProcessInstance schedule(String target) {
        return runtimeService()
                .createProcessInstanceQuery()
                .processDefinitionKey("db-backup-schedule")
                .variableValueEquals("target", target)
                .singleResult();
    }
}

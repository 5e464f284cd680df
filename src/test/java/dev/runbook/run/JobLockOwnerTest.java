package dev.runbook.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.externaltask.ExternalTask;
import org.camunda.bpm.engine.externaltask.LockedExternalTask;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A node that stopped beating (killed mid-step) has its work freed by the other nodes: its host-bound steps (external
 * tasks its in-process worker had fetched, worker id = its lock owner) as well as its jobs, so another node's worker
 * fetches them at once instead of after the 5 minute lock. A live node's steps stay locked.
 */
class JobLockOwnerTest {

    private static final String URL = "jdbc:h2:mem:job-lock-owner-test;DB_CLOSE_DELAY=-1";
    private static ProcessEngine engine;
    private static JdbcTemplate jdbc;

    @BeforeAll
    static void startEngine() {
        engine = ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration()
                .setProcessEngineName("job-lock-owner-test")
                .setJdbcUrl(URL)
                .setJobExecutorActivate(false)
                .buildProcessEngine();
        engine.getRepositoryService()
                .createDeployment()
                .addModelInstance(
                        "step.bpmn",
                        Bpmn.createExecutableProcess("step")
                                .camundaHistoryTimeToLive(1)
                                .startEvent()
                                .serviceTask("Task_Step")
                                .camundaExternalTask("runbook.host.local")
                                .endEvent()
                                .done())
                .deploy();
        jdbc = new JdbcTemplate(new DriverManagerDataSource(URL, "sa", ""));
        jdbc.execute("CREATE TABLE platform_node (lock_owner VARCHAR(255) PRIMARY KEY, "
                + "heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL)");
    }

    @AfterAll
    static void stopEngine() {
        engine.close();
    }

    @Test
    void shouldFreeTheStepsADeadNodesWorkerHadFetchedAndKeepALiveNodes() {
        String deadRun = start();
        LockedExternalTask dead = fetch("web:111:dead");
        String liveRun = start();
        LockedExternalTask live = fetch("web:222:live");
        jdbc.update(
                "INSERT INTO platform_node (lock_owner, heartbeat_at) VALUES (?, ?), (?, ?)",
                "web:111:dead",
                Timestamp.from(Instant.now().minus(JobLockOwner.DEAD_AFTER).minusSeconds(5)),
                "web:222:live",
                Timestamp.from(Instant.now()));
        assertThat(dead.getProcessInstanceId()).isEqualTo(deadRun);
        assertThat(live.getProcessInstanceId()).isEqualTo(liveRun);

        JobLockOwner survivor = new JobLockOwner(jdbc);
        survivor.postProcessEngineBuild(engine);
        survivor.heartbeat();

        ExternalTask freed = task(deadRun);
        assertThat(freed.getWorkerId()).isNull();
        assertThat(freed.getLockExpirationTime()).isNull();
        assertThat(task(liveRun).getWorkerId()).isEqualTo("web:222:live");
        List<LockedExternalTask> again = engine.getExternalTaskService()
                .fetchAndLock(5, "web:333:other")
                .topic("runbook.host.local", 60_000)
                .execute();
        assertThat(again).extracting(LockedExternalTask::getProcessInstanceId).containsExactly(deadRun);
        assertThat(jdbc.queryForList("SELECT lock_owner FROM platform_node", String.class))
                .doesNotContain("web:111:dead")
                .contains("web:222:live");
    }

    private static String start() {
        return engine.getRuntimeService()
                .startProcessInstanceByKey("step", Map.of("target", "shop"))
                .getId();
    }

    private static LockedExternalTask fetch(String worker) {
        List<LockedExternalTask> fetched = engine.getExternalTaskService()
                .fetchAndLock(1, worker)
                .topic("runbook.host.local", 300_000)
                .execute();
        assertThat(fetched).hasSize(1);
        return fetched.get(0);
    }

    private static ExternalTask task(String run) {
        return engine.getExternalTaskService()
                .createExternalTaskQuery()
                .processInstanceId(run)
                .singleResult();
    }
}

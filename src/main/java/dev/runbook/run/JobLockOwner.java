package dev.runbook.run;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Job locks of this platform node. Each start of a node gets its own job lock owner
 * ({@code <hostname>:<pid>:<random>}) and writes a heartbeat to {@code platform_node} every {@link #HEARTBEAT}.
 * Every node releases the job locks of owners whose heartbeat is older than {@link #DEAD_AFTER}: when a node is
 * killed mid-step (SIGKILL, crash, power loss), the step's job is free again within about a minute, and the same
 * node after a restart, or any other node sharing the database, runs it again. A step that a live node is running
 * stays locked for the whole lock time ({@code camunda.bpm.job-execution.lock-time-in-millis}, longer than any
 * command timeout), so it is never taken over while it runs. The owner is also the engine's host name, so the job log
 * ({@code ACT_HI_JOB_LOG.HOSTNAME_}) tells which node ran each step. The in-process host worker uses the same id as its
 * worker id, so the host-bound steps (external tasks) a dead node had fetched are freed the same way.
 */
@Component
class JobLockOwner extends AbstractProcessEnginePlugin {

    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    static final Duration DEAD_AFTER = Duration.ofSeconds(45);
    private static final Logger log = LoggerFactory.getLogger(JobLockOwner.class);

    private final String owner;
    private final JdbcTemplate jdbc;
    private String jobTable = "ACT_RU_JOB";
    private String externalTaskTable = "ACT_RU_EXT_TASK";
    private volatile boolean started;

    JobLockOwner(JdbcTemplate jdbc) {
        this.owner = hostname() + ":" + ProcessHandle.current().pid() + ":"
                + UUID.randomUUID().toString().substring(0, 8);
        this.jdbc = jdbc;
    }

    @Override
    public void postInit(ProcessEngineConfigurationImpl configuration) {
        configuration.getJobExecutor().setLockOwner(owner);
        configuration.setHostname(owner);
        if (configuration.getDatabaseTablePrefix() != null) {
            jobTable = configuration.getDatabaseTablePrefix() + "ACT_RU_JOB";
            externalTaskTable = configuration.getDatabaseTablePrefix() + "ACT_RU_EXT_TASK";
        }
    }

    @Override
    public void postProcessEngineBuild(ProcessEngine engine) {
        started = true;
    }

    /** Writes this node's heartbeat and releases the job locks of nodes that stopped beating. */
    @Scheduled(fixedDelayString = "PT10S", initialDelayString = "PT1S")
    void heartbeat() {
        if (!started) {
            return;
        }
        Timestamp now = Timestamp.from(Instant.now());
        if (jdbc.update("UPDATE platform_node SET heartbeat_at = ? WHERE lock_owner = ?", now, owner) == 0) {
            jdbc.update("INSERT INTO platform_node (lock_owner, heartbeat_at) VALUES (?, ?)", owner, now);
        }
        Timestamp deadline = Timestamp.from(Instant.now().minus(DEAD_AFTER));
        for (String dead : jdbc.queryForList(
                "SELECT lock_owner FROM platform_node WHERE heartbeat_at < ?", String.class, deadline)) {
            int released = release(dead);
            jdbc.update("DELETE FROM platform_node WHERE lock_owner = ? AND heartbeat_at < ?", dead, deadline);
            log.warn("node {} stopped beating; released {} of its job(s) so they run again", dead, released);
        }
    }

    /** Frees the jobs, and the host-bound steps its in-process worker had fetched (worker id = owner). */
    private int release(String lockOwner) {
        return jdbc.update(
                        "UPDATE " + jobTable + " SET LOCK_OWNER_ = NULL, LOCK_EXP_TIME_ = NULL WHERE LOCK_OWNER_ = ?",
                        lockOwner)
                + jdbc.update(
                        "UPDATE " + externalTaskTable
                                + " SET WORKER_ID_ = NULL, LOCK_EXP_TIME_ = NULL WHERE WORKER_ID_ = ?",
                        lockOwner);
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}

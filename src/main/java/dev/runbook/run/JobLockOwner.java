package dev.runbook.run;

import dev.runbook.target.TargetRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Job locks of this platform node. The node gets a stable job lock owner ({@code <hostname>:<data dir>}); when its
 * engine starts it releases the locks the same node held when it stopped (a crash or SIGKILL mid-step), so its
 * interrupted steps run again at once. While it runs it writes a heartbeat to {@code platform_node} every
 * {@link #HEARTBEAT}; any node releases the job locks of a node whose heartbeat is older than {@link #DEAD_AFTER},
 * so when one of several nodes dies the others resume its steps within about a minute. A step that a live node is
 * running stays locked for the whole lock time ({@code camunda.bpm.job-execution.lock-time-in-millis}).
 */
@Component
class JobLockOwner extends AbstractProcessEnginePlugin {

    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    static final Duration DEAD_AFTER = Duration.ofSeconds(45);
    private static final Logger log = LoggerFactory.getLogger(JobLockOwner.class);

    private final String owner;
    private final JdbcTemplate jdbc;
    private String jobTable = "ACT_RU_JOB";
    private volatile boolean started;

    JobLockOwner(TargetRegistry targets, JdbcTemplate jdbc) {
        this.owner = truncate(hostname() + ":" + targets.dataDir());
        this.jdbc = jdbc;
    }

    @Override
    public void postInit(ProcessEngineConfigurationImpl configuration) {
        configuration.getJobExecutor().setLockOwner(owner);
        if (configuration.getDatabaseTablePrefix() != null) {
            jobTable = configuration.getDatabaseTablePrefix() + "ACT_RU_JOB";
        }
    }

    @Override
    public void postProcessEngineBuild(ProcessEngine engine) {
        int released = release(owner);
        if (released > 0) {
            log.warn("released {} job(s) this node ({}) held when it stopped; their steps run again", released, owner);
        }
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
        for (String dead : jdbc.queryForList("SELECT lock_owner FROM platform_node WHERE heartbeat_at < ?",
                String.class, deadline)) {
            int released = release(dead);
            jdbc.update("DELETE FROM platform_node WHERE lock_owner = ? AND heartbeat_at < ?", dead, deadline);
            log.warn("node {} stopped beating; released {} of its job(s) for the other nodes", dead, released);
        }
    }

    private int release(String lockOwner) {
        return jdbc.update("UPDATE " + jobTable + " SET LOCK_OWNER_ = NULL, LOCK_EXP_TIME_ = NULL "
                + "WHERE LOCK_OWNER_ = ?", lockOwner);
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static String truncate(String value) {
        return value.length() <= 255 ? value : value.substring(value.length() - 255);
    }
}

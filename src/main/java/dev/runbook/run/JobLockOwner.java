package dev.runbook.run;

import dev.runbook.target.TargetRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Gives this platform node a stable job lock owner ({@code <hostname>:<data dir>}) and, when the engine starts,
 * releases the job locks that the same node held when it stopped (a crash or SIGKILL mid-step). So a restarted node
 * resumes its own interrupted steps at once, while a step that another node is running stays locked for the whole
 * lock time ({@code camunda.bpm.job-execution.lock-time-in-millis}, longer than any command timeout).
 */
@Component
class JobLockOwner extends AbstractProcessEnginePlugin {

    private static final Logger log = LoggerFactory.getLogger(JobLockOwner.class);

    private final String owner;
    private final JdbcTemplate jdbc;
    private String tablePrefix = "";

    JobLockOwner(TargetRegistry targets, JdbcTemplate jdbc) {
        this.owner = truncate(hostname() + ":" + targets.dataDir());
        this.jdbc = jdbc;
    }

    @Override
    public void postInit(ProcessEngineConfigurationImpl configuration) {
        configuration.getJobExecutor().setLockOwner(owner);
        tablePrefix = configuration.getDatabaseTablePrefix() == null ? "" : configuration.getDatabaseTablePrefix();
    }

    @Override
    public void postProcessEngineBuild(ProcessEngine engine) {
        int released = jdbc.update("UPDATE " + tablePrefix + "ACT_RU_JOB SET LOCK_OWNER_ = NULL, LOCK_EXP_TIME_ = NULL "
                + "WHERE LOCK_OWNER_ = ?", owner);
        if (released > 0) {
            log.warn("released {} job(s) this node ({}) held when it stopped; their steps run again", released, owner);
        }
    }

    /** This node's job lock owner. */
    String owner() {
        return owner;
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

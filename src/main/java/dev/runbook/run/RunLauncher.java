package dev.runbook.run;

import dev.runbook.process.ProcessVariables;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starts runs. A run that changes a target (deploy, update, rollback, restart, db-restore, service-control) is
 * refused with {@link TargetBusyException} while another such run of the same target has not ended. The hold is a
 * row in {@code target_lock} (primary key: the target) written in the same transaction that starts the process
 * instance, so it holds across restarts and across platform nodes sharing one database; a row whose run has ended
 * or was cancelled is stale and taken over. The business key is {@code <target>:<description>}; the initiator is
 * the engine's authenticated user.
 */
@Component
public class RunLauncher {

    /** Process keys whose runs change a target and so exclude each other per target. */
    public static final Set<String> CHANGING = Set.of("deploy", "update", "rollback", "restart", "db-restore",
            "service-control");

    private final RuntimeService runtime;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public RunLauncher(RuntimeService runtime, JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.runtime = runtime;
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    /**
     * Starts process {@code processKey} for {@code target}.
     *
     * @param description short text for the business key, e.g. {@code deploy v2}
     * @param variables   process variables besides {@code target}
     * @return the run id (process instance id)
     * @throws TargetBusyException when a changing run of the target is still going (or being started)
     */
    public String start(String processKey, String target, String description, Map<String, Object> variables) {
        Map<String, Object> all = new HashMap<>(variables);
        all.put(ProcessVariables.TARGET, target);
        String businessKey = target + ":" + description;
        if (!CHANGING.contains(processKey)) {
            return runtime.startProcessInstanceByKey(processKey, businessKey, all).getId();
        }
        try {
            return transaction.execute(status -> {
                releaseIfStale(target);
                jdbc.update("INSERT INTO target_lock (target, run_id, process_key, acquired_at) VALUES (?, ?, ?, ?)",
                        target, "starting", processKey, Timestamp.from(Instant.now()));
                String runId = runtime.startProcessInstanceByKey(processKey, businessKey, all).getId();
                jdbc.update("UPDATE target_lock SET run_id = ? WHERE target = ?", runId, target);
                return runId;
            });
        } catch (DataAccessException e) {
            throw new TargetBusyException(target, holder(target).orElse("being started"));
        }
    }

    /** Deletes the target's lock row when its run has ended; throws TargetBusyException when it still runs. */
    private void releaseIfStale(String target) {
        String holder = holder(target).orElse(null);
        if (holder == null) {
            return;
        }
        if (!"starting".equals(holder)
                && runtime.createProcessInstanceQuery().processInstanceId(holder).count() == 0) {
            jdbc.update("DELETE FROM target_lock WHERE target = ? AND run_id = ?", target, holder);
            return;
        }
        throw new TargetBusyException(target, holder);
    }

    private Optional<String> holder(String target) {
        List<String> runs = jdbc.queryForList("SELECT run_id FROM target_lock WHERE target = ?", String.class,
                target);
        return runs.stream().findFirst();
    }

    /** Another changing run holds the target. */
    public static class TargetBusyException extends RuntimeException {
        private final String runId;

        public TargetBusyException(String target, String runId) {
            super("target '" + target + "' is busy: run " + runId + " is changing it; wait until it ends");
            this.runId = runId;
        }

        public String runId() {
            return runId;
        }
    }
}

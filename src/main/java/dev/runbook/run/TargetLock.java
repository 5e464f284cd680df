package dev.runbook.run;

import dev.runbook.run.RunLauncher.TargetBusyException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * One changing run per target: a row in {@code target_lock} (primary key: the target) names the run that holds the
 * target. It is taken by {@link TargetLockEnginePlugin} in the transaction that starts the process instance, so it
 * holds whatever started the run ({@code /api}, {@code /engine-rest}, Cockpit's restart), across restarts and
 * across platform nodes sharing one database. A row whose run no longer runs is stale and is taken over.
 */
@Component
class TargetLock {

    private final JdbcTemplate jdbc;

    TargetLock(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes the target for run {@code runId}, in the caller's (the engine's) transaction; nothing when the run holds
     * it already.
     *
     * @param running tells whether the run holding the target still runs
     * @throws TargetBusyException when another run that still runs holds the target, or another start takes it at
     *                             the same moment
     */
    void acquire(String target, String runId, String processKey, Predicate<String> running) {
        Optional<String> holder = holder(target);
        if (holder.filter(runId::equals).isPresent()) {
            return;
        }
        if (holder.isPresent()) {
            if (running.test(holder.get())) {
                throw new TargetBusyException(target, holder.get());
            }
            jdbc.update("DELETE FROM target_lock WHERE target = ? AND run_id = ?", target, holder.get());
        }
        try {
            jdbc.update(
                    "INSERT INTO target_lock (target, run_id, process_key, acquired_at) VALUES (?, ?, ?, ?)",
                    target,
                    runId,
                    processKey,
                    Timestamp.from(Instant.now()));
        } catch (DataAccessException e) {
            // a start on another thread or node inserted the row first (and committed, or the wait timed out)
            throw new TargetBusyException(target, null);
        }
    }

    /** The run holding the target, as committed (or as seen by the caller's transaction). */
    Optional<String> holder(String target) {
        List<String> runs = jdbc.queryForList("SELECT run_id FROM target_lock WHERE target = ?", String.class, target);
        return runs.stream().findFirst();
    }
}

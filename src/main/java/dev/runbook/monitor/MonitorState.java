package dev.runbook.monitor;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code monitor_state} row of each target: when its next watch check is due, and its alert episode. An episode
 * opens with the first {@code UNHEALTHY} check and closes with the next {@code HEALTHY} one; its alert goes out once
 * (again only if sending failed), its recovery message once when it closes. Every change is one conditional UPDATE,
 * so platform nodes sharing the database agree without further locking.
 */
@Component
class MonitorState {

    static final int MAX_REASONS_CHARS = 3900;

    private final JdbcTemplate jdbc;

    MonitorState(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Creates the rows of these targets when missing (at start-up, each in its own statement). */
    void ensureRows(Collection<String> targets) {
        for (String target : targets) {
            try {
                jdbc.update(
                        "INSERT INTO monitor_state (target) SELECT ? WHERE NOT EXISTS "
                                + "(SELECT 1 FROM monitor_state WHERE target = ?)",
                        target,
                        target);
            } catch (DuplicateKeyException e) {
                // another node created it at the same moment
            }
        }
    }

    /**
     * Claims the check due at {@code now}: true for exactly one caller per interval (the one that moves
     * {@code next_check_at} forward to almost {@code now + interval}).
     */
    boolean claim(String target, Instant now, Duration interval) {
        Duration slack = interval.dividedBy(10).compareTo(Duration.ofSeconds(1)) < 0
                ? interval.dividedBy(10)
                : Duration.ofSeconds(1);
        return jdbc.update(
                        "UPDATE monitor_state SET next_check_at = ? WHERE target = ? AND (next_check_at IS NULL "
                                + "OR next_check_at <= ?)",
                        ts(now.plus(interval).minus(slack)),
                        target,
                        ts(now))
                == 1;
    }

    /**
     * Records an {@code UNHEALTHY} check; opens an episode when none is open.
     *
     * @return true when the caller must send the alert now (the episode's alert has not gone out yet)
     */
    boolean unhealthy(String target, String reasons, Instant now) {
        jdbc.update(
                "UPDATE monitor_state SET unhealthy_since = ? WHERE target = ? AND unhealthy_since IS NULL",
                ts(now),
                target);
        jdbc.update(
                "UPDATE monitor_state SET last_status = 'UNHEALTHY', last_checked_at = ?, reasons = ? "
                        + "WHERE target = ?",
                ts(now),
                abbreviate(reasons),
                target);
        return jdbc.update(
                        "UPDATE monitor_state SET alerted_at = ? WHERE target = ? AND alerted_at IS NULL",
                        ts(now),
                        target)
                == 1;
    }

    /** The episode's alert could not be sent: the next unhealthy check tries again. */
    void alertFailed(String target) {
        jdbc.update("UPDATE monitor_state SET alerted_at = NULL WHERE target = ?", target);
    }

    /** When the target's open episode started, if one is open. */
    Optional<Instant> unhealthySince(String target) {
        List<Timestamp> since = jdbc.queryForList(
                "SELECT unhealthy_since FROM monitor_state WHERE target = ?", Timestamp.class, target);
        return since.stream().filter(java.util.Objects::nonNull).findFirst().map(Timestamp::toInstant);
    }

    /**
     * Records a {@code HEALTHY} check and closes the open episode.
     *
     * @return the start of the closed episode when its alert had gone out (a recovery message is due), else empty
     */
    Optional<Instant> healthy(String target, Instant now) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT unhealthy_since, alerted_at FROM monitor_state " + "WHERE target = ?", target);
        jdbc.update(
                "UPDATE monitor_state SET last_status = 'HEALTHY', last_checked_at = ?, reasons = NULL "
                        + "WHERE target = ?",
                ts(now),
                target);
        if (rows.isEmpty() || rows.get(0).get("unhealthy_since") == null) {
            return Optional.empty();
        }
        Instant since = instant(rows.get(0).get("unhealthy_since"));
        boolean alerted = rows.get(0).get("alerted_at") != null;
        int closed = jdbc.update(
                "UPDATE monitor_state SET unhealthy_since = NULL, alerted_at = NULL "
                        + "WHERE target = ? AND unhealthy_since IS NOT NULL",
                target);
        return closed == 1 && alerted ? Optional.of(since) : Optional.empty();
    }

    private static Instant instant(Object value) {
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant();
        }
        if (value instanceof java.time.OffsetDateTime offset) {
            return offset.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass());
    }

    private static Timestamp ts(Instant instant) {
        return Timestamp.from(instant);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= MAX_REASONS_CHARS ? text : text.substring(0, MAX_REASONS_CHARS);
    }
}

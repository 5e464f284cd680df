package dev.runbook.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The login log (table {@code login_log}): one row per password check the platform logged. */
@Component
public class LoginLog {

    private static final String COLUMNS = "id, occurred_at, user_id, success, reason, remote_address, user_agent, via";

    private final JdbcTemplate jdbc;

    public LoginLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * One login attempt.
     *
     * @param id            sequence number
     * @param occurredAt    when
     * @param userId        the user id given (clipped to 64 characters)
     * @param success       whether the user got in
     * @param reason        {@code OK}, {@code BAD_CREDENTIALS}, {@code UNKNOWN_USER}, {@code THROTTLED} (too soon
     *                      after failures) or {@code LOCKED}
     * @param remoteAddress client address ({@code X-Forwarded-For} only from a trusted proxy)
     * @param userAgent     the {@code User-Agent} header, clipped to 256 characters
     * @param via           {@code api}, {@code engine-rest}, {@code console} (the console's sign-in form),
     *                      {@code webapp} (Cockpit, Tasklist, Admin login) or {@code other}
     */
    public record Entry(
            long id,
            Instant occurredAt,
            String userId,
            boolean success,
            String reason,
            String remoteAddress,
            String userAgent,
            String via) {}

    /** Filter of {@link #find}: each part optional; {@code from} inclusive, {@code to} exclusive. */
    public record Filter(String user, Boolean success, Instant from, Instant to) {}

    /** Writes one entry, now, in the caller's transaction. */
    public void record(
            String userId, boolean success, String reason, String remoteAddress, String userAgent, String via) {
        jdbc.update(
                "INSERT INTO login_log (occurred_at, user_id, success, reason, remote_address, user_agent, via) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)",
                OffsetDateTime.now(ZoneOffset.UTC),
                AuditTrail.clip(userId == null ? "" : userId, 64),
                success,
                reason,
                AuditTrail.clip(remoteAddress, 64),
                AuditTrail.clip(userAgent, 256),
                via);
    }

    /** Entries matching the filter, newest first. */
    public AuditPage<Entry> find(Filter filter, int page, int size) {
        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        AuditTrail.add(where, args, "user_id = ?", filter.user());
        AuditTrail.add(where, args, "success = ?", filter.success());
        AuditTrail.add(where, args, "occurred_at >= ?", AuditTrail.utc(filter.from()));
        AuditTrail.add(where, args, "occurred_at < ?", AuditTrail.utc(filter.to()));
        return Pages.query(jdbc, "login_log", COLUMNS, where, args, page, size, LoginLog::entry);
    }

    /** Deletes the entries older than {@code cutoff}; returns how many. */
    public int deleteOlderThan(Instant cutoff) {
        return jdbc.update("DELETE FROM login_log WHERE occurred_at < ?", AuditTrail.utc(cutoff));
    }

    private static Entry entry(ResultSet row, int index) throws SQLException {
        return new Entry(
                row.getLong("id"),
                row.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                row.getString("user_id"),
                row.getBoolean("success"),
                row.getString("reason"),
                row.getString("remote_address"),
                row.getString("user_agent"),
                row.getString("via"));
    }
}

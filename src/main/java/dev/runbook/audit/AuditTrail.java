package dev.runbook.audit;

import dev.runbook.exec.Redactor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit trail (table {@code audit_event}). {@link #record} joins the caller's transaction, so an event written
 * from inside the engine commits or rolls back with the change it describes (a refused or lost approval leaves no
 * row). Text fields are redacted and clipped to their column size.
 */
@Component
public class AuditTrail {

    private static final String COLUMNS =
            "id, occurred_at, user_id, action, target, process_key, run_id, refs, " + "outcome, detail";

    private final JdbcTemplate jdbc;
    private final Redactor redactor;

    public AuditTrail(JdbcTemplate jdbc, Redactor redactor) {
        this.jdbc = jdbc;
        this.redactor = redactor;
    }

    /** Filter of {@link #find}: each part optional; {@code from} inclusive, {@code to} exclusive. */
    public record Filter(String target, String user, String action, String runId, Instant from, Instant to) {}

    /** Writes one event, now. */
    public void record(
            AuditAction action,
            String userId,
            String target,
            String processKey,
            String runId,
            String refs,
            String outcome,
            String detail) {
        jdbc.update(
                "INSERT INTO audit_event (occurred_at, user_id, action, target, process_key, run_id, refs, "
                        + "outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                OffsetDateTime.now(ZoneOffset.UTC),
                clip(userId, 64),
                action.name(),
                clip(target, 64),
                clip(processKey, 64),
                clip(runId, 64),
                clip(redactor.redact(refs), 500),
                clip(outcome, 64),
                clip(redactor.redact(detail), 1000));
    }

    /** Events matching the filter, newest first, page {@code page} of {@code size}. */
    public AuditPage<AuditEvent> find(Filter filter, int page, int size) {
        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        add(where, args, "target = ?", filter.target());
        add(where, args, "user_id = ?", filter.user());
        add(where, args, "action = ?", filter.action());
        add(where, args, "run_id = ?", filter.runId());
        add(where, args, "occurred_at >= ?", utc(filter.from()));
        add(where, args, "occurred_at < ?", utc(filter.to()));
        return Pages.query(jdbc, "audit_event", COLUMNS, where, args, page, size, AuditTrail::event);
    }

    /** Deletes the events that happened before {@code cutoff}; returns how many. */
    public int deleteOlderThan(Instant cutoff) {
        return jdbc.update("DELETE FROM audit_event WHERE occurred_at < ?", utc(cutoff));
    }

    private static AuditEvent event(ResultSet row, int index) throws SQLException {
        return new AuditEvent(
                row.getLong("id"),
                row.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                row.getString("user_id"),
                row.getString("action"),
                row.getString("target"),
                row.getString("process_key"),
                row.getString("run_id"),
                row.getString("refs"),
                row.getString("outcome"),
                row.getString("detail"));
    }

    static void add(List<String> where, List<Object> args, String condition, Object value) {
        if (value != null) {
            where.add(condition);
            args.add(value);
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 4) + " ...";
    }
}

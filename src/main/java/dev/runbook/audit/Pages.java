package dev.runbook.audit;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/** Paged, newest-first reads of the audit tables with a WHERE clause made only of fixed fragments. */
final class Pages {

    private Pages() {}

    static <T> AuditPage<T> query(
            JdbcTemplate jdbc,
            String table,
            String columns,
            List<String> where,
            List<Object> args,
            int page,
            int size,
            RowMapper<T> mapper) {
        String condition = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
        Long total = jdbc.queryForObject("SELECT COUNT(*) FROM " + table + condition, Long.class, args.toArray());
        Object[] pageArgs = new Object[args.size() + 2];
        System.arraycopy(args.toArray(), 0, pageArgs, 0, args.size());
        pageArgs[args.size()] = size;
        pageArgs[args.size() + 1] = (long) page * size;
        List<T> items = jdbc.query(
                "SELECT " + columns + " FROM " + table + condition
                        + " ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?",
                mapper,
                pageArgs);
        return new AuditPage<>(items, page, size, total == null ? 0 : total);
    }
}

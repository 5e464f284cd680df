package dev.runbook.database;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Counts table rows in the SQL that {@code pg_restore --data-only} writes: the data lines of each
 * {@code COPY <schema>.<table> (...) FROM stdin;} block up to its {@code \.} line (COPY text format escapes newlines,
 * so one line is one row). Keys are the table names as pg_dump quotes them ({@code public."Order Items"}).
 */
final class PgCopyCounter implements Consumer<String> {

    private final Map<String, Long> counts = new LinkedHashMap<>();
    private String table;

    @Override
    public void accept(String line) {
        if (table == null) {
            if (line.startsWith("COPY ") && line.endsWith(" FROM stdin;")) {
                table = tableName(line.substring(5));
                counts.put(table, 0L);
            }
        } else if ("\\.".equals(line)) {
            table = null;
        } else {
            counts.merge(table, 1L, Long::sum);
        }
    }

    /** Rows per table, in archive order. */
    Map<String, Long> counts() {
        return counts;
    }

    private static String tableName(String rest) {
        boolean quoted = false;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                return rest.substring(0, i);
            }
        }
        return rest;
    }
}

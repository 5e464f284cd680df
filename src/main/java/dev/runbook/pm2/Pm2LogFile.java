package dev.runbook.pm2;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end of a PM2 log file (its last MiB) as lines with the time PM2 wrote them. PM2 prefixes each line with a
 * timestamp when the app has {@code time: true} (or a {@code log_date_format} such as {@code YYYY-MM-DD HH:mm:ss Z})
 * in its ecosystem file: {@code 2025-01-31T10:00:00: text}. A timestamp without an offset is in the platform host's
 * time zone (PM2 runs on the same host). A line without a timestamp (a stack trace) has the time of the line before;
 * lines before the first timestamp have none. A file without any timestamp: every line has the file's
 * last-modified time (so a time filter is only as good as that).
 *
 * @param lines       the lines, oldest first
 * @param truncated   true when the file was longer than {@link #MAX_BYTES} and only its end was read
 * @param timestamped true when at least one line carried a timestamp
 */
public record Pm2LogFile(List<Line> lines, boolean truncated, boolean timestamped) {

    /** At most this much of the end of a log file is read. */
    public static final int MAX_BYTES = 1024 * 1024;

    private static final Pattern TIMESTAMP = Pattern.compile(
            "^(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?) ?(Z|[+-]\\d{2}:?\\d{2})?");
    private static final Pm2LogFile EMPTY = new Pm2LogFile(List.of(), false, false);

    /** One line: when PM2 wrote it (null when unknown) and its text as written. */
    public record Line(Instant time, String text) {}

    /** Reads the end of {@code file}; an empty result when there is no such file or it cannot be read. */
    public static Pm2LogFile read(String file, ZoneId zone) {
        if (file == null || !Files.isRegularFile(Path.of(file))) {
            return EMPTY;
        }
        try (RandomAccessFile log = new RandomAccessFile(file, "r")) {
            long length = log.length();
            int size = (int) Math.min(length, MAX_BYTES);
            byte[] bytes = new byte[size];
            log.seek(length - size);
            log.readFully(bytes);
            List<String> texts = new ArrayList<>(List.of(new String(bytes, StandardCharsets.UTF_8).split("\n")));
            boolean truncated = length > size;
            if (truncated && !texts.isEmpty()) {
                texts.remove(0);
            }
            texts.removeIf(String::isEmpty);
            return parse(
                    texts,
                    truncated,
                    zone,
                    Files.getLastModifiedTime(Path.of(file)).toInstant());
        } catch (IOException e) {
            return EMPTY;
        }
    }

    static Pm2LogFile parse(List<String> texts, boolean truncated, ZoneId zone, Instant modified) {
        List<Line> lines = new ArrayList<>(texts.size());
        Instant current = null;
        boolean timestamped = false;
        for (String text : texts) {
            Instant stamp = timestamp(text, zone);
            if (stamp != null) {
                current = stamp;
                timestamped = true;
            }
            lines.add(new Line(current, text));
        }
        if (!timestamped) {
            lines.replaceAll(line -> new Line(modified, line.text()));
        }
        return new Pm2LogFile(List.copyOf(lines), truncated, timestamped);
    }

    /** The timestamp at the start of a line, or null. */
    static Instant timestamp(String text, ZoneId zone) {
        Matcher m = TIMESTAMP.matcher(text);
        if (!m.find()) {
            return null;
        }
        try {
            LocalDateTime local = LocalDateTime.parse(m.group(1) + "T" + m.group(2));
            String offset = m.group(3);
            if (offset == null) {
                return local.atZone(zone).toInstant();
            }
            return local.toInstant(
                    "Z".equals(offset)
                            ? ZoneOffset.UTC
                            : ZoneOffset.of(
                                    offset.length() == 5
                                            ? offset.substring(0, 3) + ":" + offset.substring(3)
                                            : offset));
        } catch (DateTimeException e) {
            return null;
        }
    }

    /**
     * The last {@code max} lines written at or after {@code since} (null: any time) that contain {@code grep} (a plain
     * substring, case-sensitive; null: every line). Lines of unknown time are left out when {@code since} is set.
     */
    public List<String> select(Instant since, String grep, int max) {
        List<String> selected = new ArrayList<>();
        for (Line line : lines) {
            if (since != null && (line.time() == null || line.time().isBefore(since))) {
                continue;
            }
            if (grep != null && !line.text().contains(grep)) {
                continue;
            }
            selected.add(line.text());
        }
        return List.copyOf(selected.subList(Math.max(0, selected.size() - max), selected.size()));
    }
}

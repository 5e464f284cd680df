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

    /**
     * The end of every log file of one app, merged in time order: {@code file} (the app's {@code pm_out_log_path} or
     * {@code pm_err_log_path} under PM2 id {@code pmId}) and the files the same app wrote under other PM2 ids. PM2 puts
     * the id into a log file's name ({@code <app>-error-<id>.log}, or the ecosystem's {@code error_file} with
     * {@code -<id>} before {@code .log}) unless the logs are merged ({@code merge_logs}, the default of a fork-mode app
     * without {@code instances}); a restart that deletes and starts the app ({@link Pm2Client#restartFresh}) gives it a
     * new id and so a new file, and a cluster-mode app has one file per worker. Reading them all keeps the app's log
     * history readable across restarts. At most the {@link #MAX_FILES} newest files (by last change), each its last
     * {@link #MAX_BYTES}; lines of equal time keep their file's order.
     */
    public static Pm2LogFile readApp(String file, int pmId, ZoneId zone) {
        List<Path> files = appFiles(file, pmId);
        if (files.size() <= 1) {
            return read(file, zone);
        }
        List<Line> lines = new ArrayList<>();
        boolean truncated = false;
        boolean timestamped = false;
        for (Path path : files) {
            Pm2LogFile one = read(path.toString(), zone);
            lines.addAll(one.lines());
            truncated |= one.truncated();
            timestamped |= one.timestamped();
        }
        lines.sort(java.util.Comparator.comparing(Line::time, java.util.Comparator.nullsFirst(Instant::compareTo)));
        return new Pm2LogFile(List.copyOf(lines), truncated, timestamped);
    }

    /** At most this many log files of one app are read by {@link #readApp}, the newest. */
    public static final int MAX_FILES = 8;

    /** {@code file} and its siblings of other PM2 ids, oldest first; just {@code file} when its name holds no id. */
    static List<Path> appFiles(String file, int pmId) {
        if (file == null) {
            return List.of();
        }
        Path path = Path.of(file);
        String name = path.getFileName().toString();
        String suffix = "-" + pmId + ".log";
        Path dir = path.getParent();
        if (!name.endsWith(suffix) || dir == null || !Files.isDirectory(dir)) {
            return List.of(path);
        }
        Pattern sibling =
                Pattern.compile(Pattern.quote(name.substring(0, name.length() - suffix.length())) + "-\\d+\\.log");
        try (java.util.stream.Stream<Path> listed = Files.list(dir)) {
            List<Path> files = new ArrayList<>(listed.filter(
                            p -> sibling.matcher(p.getFileName().toString()).matches())
                    .filter(Files::isRegularFile)
                    .sorted(java.util.Comparator.comparing(Pm2LogFile::modified))
                    .toList());
            if (!files.contains(path)) {
                files.add(path);
            }
            return List.copyOf(files.subList(Math.max(0, files.size() - MAX_FILES), files.size()));
        } catch (IOException e) {
            return List.of(path);
        }
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
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

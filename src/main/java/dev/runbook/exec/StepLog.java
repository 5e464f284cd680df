package dev.runbook.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The log file of one step of one run ({@code <data-dir>/runs/<runId>/<activityId>.log}): every command the step
 * ran, with its output and exit code, appended (a retried step adds to the same file). Text, UTF-8.
 */
public record StepLog(Path file) {

    /** A log that writes nowhere, for reads outside a run (e.g. the targets listing). */
    public static final StepLog NONE = new StepLog(null);

    /** The log of step {@code activityId} of run {@code runId} under {@code dataDir}. */
    public static StepLog of(Path dataDir, String runId, String activityId) {
        return new StepLog(dataDir.resolve("runs").resolve(runId).resolve(activityId + ".log"));
    }

    /** Appends one line prefixed with the current time (UTC offset of the host, seconds). */
    public void line(String text) {
        append(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + text + "\n");
    }

    /** Replaces the whole log with {@code text}: the log a host's agent sent with its step's outcome. */
    public void replace(String text) {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write step log " + file, e);
        }
    }

    /**
     * At most the last {@code maxChars} bytes of the log, from a line start ("" when it has none), led by a note when
     * cut.
     */
    public String tail(int maxChars) {
        if (file == null || !Files.isRegularFile(file)) {
            return "";
        }
        try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            if (size <= maxChars) {
                return Files.readString(file, StandardCharsets.UTF_8);
            }
            // only the end is read: a long build log stays on disk
            java.nio.ByteBuffer end = java.nio.ByteBuffer.allocate(maxChars);
            channel.position(size - maxChars);
            while (end.hasRemaining() && channel.read(end) > 0) {
                // reads up to maxChars bytes
            }
            String text = new String(end.array(), 0, end.position(), StandardCharsets.UTF_8);
            int firstLine = text.indexOf('\n');
            return "(" + (size - maxChars) + " earlier bytes left on the host)\n"
                    + (firstLine < 0 ? text : text.substring(firstLine + 1));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")\n";
        }
    }

    /** Appends raw text. */
    public void append(String text) {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write step log " + file, e);
        }
    }
}

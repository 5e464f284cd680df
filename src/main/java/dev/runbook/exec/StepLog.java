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

    /** The last {@code maxChars} characters of the log ("" when it has none), led by a note when cut. */
    public String tail(int maxChars) {
        if (file == null || !Files.isRegularFile(file)) {
            return "";
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return text.length() <= maxChars
                    ? text
                    : "(" + (text.length() - maxChars) + " earlier characters left on the host)\n"
                            + text.substring(text.length() - maxChars);
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

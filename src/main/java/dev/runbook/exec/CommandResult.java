package dev.runbook.exec;

import java.time.Duration;

/**
 * What a finished command did.
 *
 * @param command  the command line, secrets redacted
 * @param exitCode the process exit code
 * @param output   stdout and stderr merged, redacted; capped: the head and the tail are kept around a marker line
 * @param duration wall-clock run time
 */
public record CommandResult(String command, int exitCode, String output, Duration duration) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** The last {@code lines} lines of the output, for error messages. */
    public String outputTail(int lines) {
        String[] all = output.strip().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }
}

package dev.runbook.process;

import dev.runbook.exec.Command;

/**
 * One command of a {@link StepPreview}, as the step log will show it.
 *
 * @param command program and arguments joined by spaces ({@code GET <url>} for a health check)
 * @param dir     working directory, null for an HTTP call
 */
public record PlannedCommand(String command, String dir) {

    /** The command a client method built, shown the way {@link Command#display()} logs it. */
    public static PlannedCommand of(Command command) {
        return new PlannedCommand(command.display(), command.dir().toString());
    }
}

package dev.runbook.exec;

/**
 * An expected command failure: a non-zero exit code or a run past its timeout. Delegates turn it into the BPMN
 * error {@code COMMAND_FAILED}. The message names the command, the directory and the exit code (secrets redacted).
 */
public class CommandFailedException extends RuntimeException {

    private final transient CommandResult result;
    private final boolean timedOut;

    public CommandFailedException(String message, CommandResult result, boolean timedOut) {
        super(message);
        this.result = result;
        this.timedOut = timedOut;
    }

    /** The result (exit code, capped output), or null after a timeout. */
    public CommandResult result() {
        return result;
    }

    public boolean timedOut() {
        return timedOut;
    }
}

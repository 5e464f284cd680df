package dev.runbook.exec;

/**
 * A technical fault: the program could not be started (not on PATH, not executable). Not a BPMN error: the job is
 * retried and then becomes an incident for an operator.
 */
public class ToolMissingException extends RuntimeException {
    public ToolMissingException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.runbook.process;

/**
 * An expected failure of a step, raised by clients and delegates with one of the {@link BpmnErrors} codes;
 * {@link RunbookDelegate} turns it into a {@code BpmnError} the model handles (or an incident in an undo path).
 */
public class StepFailedException extends RuntimeException {

    private final String code;

    public StepFailedException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}

package dev.runbook.process;

/** Values of the {@code runOutcome} variable, set by end-event listeners of the models through {@link RunOutcomes}. */
public enum RunOutcome {
    DEPLOYED,
    ROLLED_BACK,
    REJECTED,
    EXPIRED,
    FAILED,
    RESTORED,
    REVERTED,
    DONE,
    BACKED_UP,
    HEALTHY,
    UNHEALTHY,
    /** The requester (or an administrator) took the run back while it waited for its approval. */
    WITHDRAWN
}

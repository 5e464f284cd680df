package dev.runbook.process;

import java.util.List;

/** The BPMN error codes the delegates throw; every one of them is caught in the models (checked by a test). */
public final class BpmnErrors {

    /** A command exited non-zero or ran past its timeout. */
    public static final String COMMAND_FAILED = "COMMAND_FAILED";
    /** A health URL did not answer 2xx within the attempts, or a PM2 app did not stay online. */
    public static final String HEALTH_CHECK_FAILED = "HEALTH_CHECK_FAILED";
    /** The target is not in a state to run this change (dirty tree, unknown ref, lock file out of sync ...). */
    public static final String PRECONDITION_FAILED = "PRECONDITION_FAILED";
    /** A release backup could not be written (disk full, not writable) before anything was changed. */
    public static final String BACKUP_FAILED = "BACKUP_FAILED";

    /* Database backups also fail with BACKUP_FAILED: tool missing, non-zero exit, empty or unreadable dump. */
    /** A database backup is missing, damaged (sha256 differs from the catalogue) or unreadable. */
    public static final String BACKUP_INVALID = "BACKUP_INVALID";
    /** A restored database does not hold what the catalogue says the backup holds (counts differ). */
    public static final String VERIFICATION_FAILED = "VERIFICATION_FAILED";
    /**
     * A host of a rolling run failed and is not retried: thrown by the model itself (the error end event of a host's
     * part), after the host's own step failed with one of the codes above; the run rolls every host back.
     */
    public static final String HOST_FAILED = "HOST_FAILED";

    public static final List<String> ALL = List.of(
            COMMAND_FAILED,
            HEALTH_CHECK_FAILED,
            PRECONDITION_FAILED,
            BACKUP_FAILED,
            BACKUP_INVALID,
            VERIFICATION_FAILED,
            HOST_FAILED);

    private BpmnErrors() {}
}

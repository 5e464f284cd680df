package dev.runbook.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Refused requests in the audit trail ({@code REFUSE}, with who, what and why; {@code outcome} the reason) and in the
 * log (one INFO line, no stack trace). Written in a transaction of its own: the refused call's transaction is rolled
 * back, and the record of the refusal must outlive it.
 */
@Component
public class Refusals {

    private static final Logger log = LoggerFactory.getLogger(Refusals.class);

    /** Why a request was refused. */
    public enum Reason {
        /** the requester of a run tried to decide or claim its approval */
        FOUR_EYES,
        /** the caller is in no group that may decide the approval */
        NOT_AN_APPROVER,
        /** the caller is in no group that may make this call at all ({@code AccessRules}) */
        NOT_ALLOWED,
        /** a state-changing request a page of another site made a browser send (CSRF) */
        CROSS_SITE,
        /** another run holds the target */
        TARGET_BUSY,
        /** the approval was decided (or expired) already */
        ALREADY_DECIDED
    }

    private final AuditTrail trail;
    private final TransactionTemplate ownTransaction;

    public Refusals(AuditTrail trail, PlatformTransactionManager transactions) {
        this.trail = trail;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * Records one refusal.
     *
     * @param what what the user asked for, e.g. {@code decide approval <taskId>}
     * @param why  the message the user got
     */
    public void record(
            Reason reason, String userId, String target, String processKey, String runId, String what, String why) {
        log.info("refused {} to {}: {} ({})", what, userId == null ? "(nobody signed in)" : userId, why, reason);
        ownTransaction.executeWithoutResult(status ->
                trail.record(AuditAction.REFUSE, userId, target, processKey, runId, what, reason.name(), why));
    }
}

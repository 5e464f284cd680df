package dev.runbook.audit;

/**
 * What an audit event records: a run started, an approval decided, an operator's decision on a failed host (retry it
 * or roll every host back), a run ended (by itself, by expiry of its
 * approval, withdrawn by its requester while it waited for the approval, or cancelled by someone), an incident raised,
 * an incident retried by someone, or a request refused ({@link Refusals}: four eyes, not an approver, target busy,
 * decided already).
 */
public enum AuditAction {
    START,
    APPROVE,
    REJECT,
    DECIDE,
    EXPIRE,
    WITHDRAW,
    CANCEL,
    END,
    INCIDENT,
    INCIDENT_RETRY,
    REFUSE
}

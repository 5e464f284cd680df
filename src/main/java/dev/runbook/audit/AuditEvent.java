package dev.runbook.audit;

import java.time.Instant;

/**
 * One row of the audit trail (table {@code audit_event}).
 *
 * @param id          sequence number
 * @param occurredAt  when (the engine transaction that did it)
 * @param userId      who; null for the platform itself (job executor, timers)
 * @param action      see {@link AuditAction}
 * @param target      target name, if the run has one
 * @param processKey  process definition key ({@code deploy}, {@code service-control} ...)
 * @param runId       process instance id
 * @param refs        the run's inputs as {@code name=value} pairs ({@code gitRef=v2 components=all},
 *                    {@code action=stop app=shop-backend} ...), secrets redacted
 * @param outcome     {@code APPROVED}, {@code REJECTED}, the run's {@code runOutcome}, {@code CANCELED} ...
 * @param detail      approval comment, failure or incident message (redacted, at most 1000 characters)
 */
public record AuditEvent(
        long id,
        Instant occurredAt,
        String userId,
        String action,
        String target,
        String processKey,
        String runId,
        String refs,
        String outcome,
        String detail) {}

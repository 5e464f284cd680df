package dev.runbook.alert;

import java.time.Instant;

/**
 * Something an operator must look at (a failed backup, a damaged archive, a run that ended {@code FAILED}),
 * published as a Spring application event; a notifier (mail, chat) can listen for it.
 *
 * @param at      when it was raised
 * @param target  target name
 * @param runId   the run that raised it, if any
 * @param subject one line, e.g. {@code database backup failed}
 * @param detail  what happened (secrets redacted)
 */
public record RunbookAlert(Instant at, String target, String runId, String subject, String detail) {}

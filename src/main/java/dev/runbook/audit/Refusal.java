package dev.runbook.audit;

/**
 * An exception that refuses what a person asked for (four eyes, a busy target): {@link Refusals} audits it and logs
 * it in one line, and {@link RefusalLogFilter} drops the engine's own ERROR log of it with its stack trace.
 */
public interface Refusal {}

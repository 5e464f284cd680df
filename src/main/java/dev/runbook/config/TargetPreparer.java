package dev.runbook.config;

/**
 * Prepares configured targets before {@link TargetRegistry} checks them, e.g. the demo profile creates the demo
 * target's git origin and work dir on first start. A bean implementing it hooks itself in; the registry knows none.
 */
@FunctionalInterface
public interface TargetPreparer {

    /** Called once at start-up, before the targets' work dirs are checked. */
    void prepare(RunbookProperties properties);
}

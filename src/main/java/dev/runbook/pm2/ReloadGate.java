package dev.runbook.pm2;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import java.util.List;

/**
 * What the forward reload waits for between two components ({@link Pm2ReloadDelegate}): the component just reloaded
 * answers its health URL with a 2xx, so the next one (a frontend that calls it) is reloaded only in front of a release
 * that boots. The health check implements it; the full check of every component, with its stability window, follows
 * the reload step.
 */
public interface ReloadGate {

    /**
     * Returns once {@code component}'s health URL answers 2xx.
     *
     * @param baseline what PM2 showed right after the component's reload
     * @param listed   the app's instances as {@code pm2 jlist} showed them then
     * @param vars     the run's variables: {@code crashedApp} is set when its app is seen crashing
     * @throws dev.runbook.process.StepFailedException {@code HEALTH_CHECK_FAILED} when the app crashes, answers without
     *                                                 2xx for the unhealthy grace or uses up the attempts
     */
    void awaitAnswer(
            Target target,
            ComponentSpec component,
            Pm2Baseline baseline,
            List<Pm2Process> listed,
            ProcessVariables vars,
            StepLog log);
}

package dev.runbook.health;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2Process;
import dev.runbook.pm2.ReloadGate;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.StepFailedException;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The reload's gate between two components: the health check's poll of the component just reloaded, with its
 * {@link AppWatch}, until the first 2xx (no stability window: the health check after the reload step has it).
 */
@Component
class AnswerGate implements ReloadGate {

    private final HealthChecker health;
    private final Pm2Client pm2;

    AnswerGate(HealthChecker health, Pm2Client pm2) {
        this.health = health;
        this.pm2 = pm2;
    }

    @Override
    public void awaitAnswer(
            Target target,
            ComponentSpec component,
            Pm2Baseline baseline,
            List<Pm2Process> listed,
            ProcessVariables vars,
            StepLog log) {
        AppWatch watch = new AppWatch(pm2, List.of(component.pm2App()), target.root(), baseline, listed, log);
        try {
            health.poll(component.healthUrl(), target.health(), watch, log);
        } catch (StepFailedException e) {
            // the undo stops this app before reloading the previous release, even if PM2 restarted it meanwhile
            watch.crashed().ifPresent(app -> vars.set(ProcessVariables.CRASHED_APP, app));
            throw e;
        }
    }
}

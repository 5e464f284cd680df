package dev.runbook.monitor;

import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.config.TargetRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Task_CloseAlert of {@code monitor}: records the healthy check; when it closes an episode whose alert went out, sends
 * the recovery message (webhook or log) with the episode's length.
 */
@Component("monitorRecoveryDelegate")
class MonitorRecoveryDelegate extends RunbookDelegate {

    private final MonitorState state;
    private final AlertNotifier notifier;

    MonitorRecoveryDelegate(TargetRegistry targets, Redactor redactor, MonitorState state, AlertNotifier notifier) {
        super(targets, redactor);
        this.state = state;
        this.notifier = notifier;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String target = vars.target();
        Instant now = Instant.now();
        state.healthy(target, now).ifPresent(since -> notifier.send(targets.get(target).monitor().webhook(),
                new AlertNotifier.Alert(target, "RECOVERED", "Target " + target + " is HEALTHY again after "
                        + Duration.between(since, now).toSeconds() + " s (unhealthy since " + since + ")",
                        List.of(), since, vars.runId())));
    }
}

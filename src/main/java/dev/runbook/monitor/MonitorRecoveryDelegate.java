package dev.runbook.monitor;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.notify.Notification;
import dev.runbook.notify.TargetNotifier;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * Task_CloseAlert of {@code monitor}: records the healthy check; when it closes an episode whose alert went out, hands
 * the recovery message ({@code TARGET_RECOVERED}, with the episode's length) to the {@link TargetNotifier}.
 */
@Component("monitorRecoveryDelegate")
class MonitorRecoveryDelegate extends RunbookDelegate {

    private final MonitorState state;
    private final TargetNotifier notifier;

    MonitorRecoveryDelegate(TargetRegistry targets, Redactor redactor, MonitorState state, TargetNotifier notifier) {
        super(targets, redactor);
        this.state = state;
        this.notifier = notifier;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String target = vars.target();
        Instant now = Instant.now();
        state.healthy(target, now)
                .ifPresent(since -> notifier.notify(new Notification.TargetRecovered(
                        target,
                        vars.runId(),
                        now,
                        "Target " + target + " is HEALTHY again after "
                                + Duration.between(since, now).toSeconds() + " s (unhealthy since " + since + ")",
                        since)));
    }
}

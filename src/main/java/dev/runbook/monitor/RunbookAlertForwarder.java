package dev.runbook.monitor;

import dev.runbook.alert.RunbookAlert;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import java.net.URI;
import java.util.List;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Sends the platform's other alerts ({@link RunbookAlert}: a failed database backup, a run that ended {@code FAILED})
 * to the target's {@code monitor.webhook}, like the monitor's own, with status {@code FAILED}. Without a webhook the
 * alert's ERROR log line (written by {@code alert/Alerts}) is all there is.
 */
@Component
class RunbookAlertForwarder {

    private final TargetRegistry targets;
    private final AlertNotifier notifier;

    RunbookAlertForwarder(TargetRegistry targets, AlertNotifier notifier) {
        this.targets = targets;
        this.notifier = notifier;
    }

    @EventListener
    void forward(RunbookAlert alert) {
        URI webhook = targets.find(alert.target()).map(Target::monitor).map(policy -> policy.webhook()).orElse(null);
        if (webhook == null) {
            return;
        }
        notifier.send(webhook, new AlertNotifier.Alert(alert.target(), "FAILED", "Target " + alert.target() + ": "
                + alert.subject() + ": " + alert.detail(), List.of(alert.detail()), alert.at(), alert.runId()));
    }
}

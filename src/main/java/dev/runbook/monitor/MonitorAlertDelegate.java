package dev.runbook.monitor;

import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.notify.Notification;
import dev.runbook.notify.TargetNotifier;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Task_RaiseAlert of {@code monitor}: records the unhealthy check in the target's alert episode and hands the alert
 * ({@code TARGET_UNHEALTHY}) to the {@link TargetNotifier} when the episode is new, or its alert could not be
 * delivered before. Reasons come from {@code unhealthyReasons}, or from {@code failureCode}/{@code failureMessage}
 * when the check itself failed. Writes {@code alerted} (true when an alert was handed over). A webhook that is given up
 * after its retries is not a failure of the run: the episode's alert is marked unsent and the next check tries again.
 */
@Component("monitorAlertDelegate")
class MonitorAlertDelegate extends RunbookDelegate {

    private final MonitorState state;
    private final TargetNotifier notifier;

    MonitorAlertDelegate(TargetRegistry targets, Redactor redactor, MonitorState state, TargetNotifier notifier) {
        super(targets, redactor);
        this.state = state;
        this.notifier = notifier;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        String target = vars.target();
        String reasons = vars.string(ProcessVariables.UNHEALTHY_REASONS);
        if (reasons == null || reasons.isBlank()) {
            reasons = "the check could not be made: " + vars.string(ProcessVariables.FAILURE_CODE) + " "
                    + vars.string(ProcessVariables.FAILURE_MESSAGE);
        }
        Instant now = Instant.now();
        boolean due = state.unhealthy(target, reasons, now);
        if (due) {
            Instant since = state.unhealthySince(target).orElse(now);
            List<String> lines = reasons.lines().toList();
            notifier.notify(new Notification.TargetUnhealthy(
                            target,
                            vars.runId(),
                            now,
                            "Target " + target + " is UNHEALTHY since " + since + ": " + String.join("; ", lines),
                            lines,
                            since))
                    .thenAccept(delivered -> {
                        if (!delivered) {
                            state.alertFailed(target);
                        }
                    });
        }
        vars.set(ProcessVariables.ALERTED, due);
    }
}

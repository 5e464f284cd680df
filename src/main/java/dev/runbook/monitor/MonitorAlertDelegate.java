package dev.runbook.monitor;

import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.config.TargetRegistry;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Task_RaiseAlert of {@code monitor}: records the unhealthy check in the target's alert episode and sends the alert
 * (webhook or log) when the episode is new, or its alert could not be sent before. Reasons come from
 * {@code unhealthyReasons}, or from {@code failureCode}/{@code failureMessage} when the check itself failed.
 * Writes {@code alerted}. A webhook that cannot be reached is not a failure of the run: the next check tries again.
 */
@Component("monitorAlertDelegate")
class MonitorAlertDelegate extends RunbookDelegate {

    private final MonitorState state;
    private final AlertNotifier notifier;

    MonitorAlertDelegate(TargetRegistry targets, Redactor redactor, MonitorState state, AlertNotifier notifier) {
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
        boolean sent = false;
        if (due) {
            Instant since = state.unhealthySince(target).orElse(now);
            List<String> lines = reasons.lines().toList();
            sent = notifier.send(targets.get(target).monitor().webhook(), new AlertNotifier.Alert(target,
                    "UNHEALTHY", "Target " + target + " is UNHEALTHY since " + since + ": " + String.join("; ", lines),
                    lines, since, vars.runId()));
            if (!sent) {
                state.alertFailed(target);
            }
        }
        vars.set(ProcessVariables.ALERTED, sent);
    }
}

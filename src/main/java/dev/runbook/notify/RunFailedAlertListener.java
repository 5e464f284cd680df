package dev.runbook.notify;

import dev.runbook.exec.Redactor;
import dev.runbook.process.ProcessVariables;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Execution listener for end events with outcome {@code FAILED} ({@code ${runFailedAlertListener}}): writes an ERROR
 * line on the {@code dev.runbook.alert} logger naming the run, its target and the failure ({@code failureCode},
 * {@code failureMessage}, redacted), so a failed run is never silent in the log. It sends nothing: the webhook hears of
 * the run once, from {@link RunNotifications} ({@code RUN_ENDED}) when the run has ended.
 */
@Component("runFailedAlertListener")
class RunFailedAlertListener implements ExecutionListener {

    private static final Logger ALERT_LOG = LoggerFactory.getLogger("dev.runbook.alert");

    private final Redactor redactor;

    RunFailedAlertListener(Redactor redactor) {
        this.redactor = redactor;
    }

    @Override
    public void notify(DelegateExecution execution) {
        ProcessVariables vars = ProcessVariables.of(execution);
        String process = execution.getProcessDefinitionId() == null
                ? "run"
                : execution.getProcessDefinitionId().split(":")[0];
        String failure = vars.string(ProcessVariables.FAILURE_CODE) == null
                ? "no failure recorded"
                : vars.string(ProcessVariables.FAILURE_CODE) + ": " + vars.string(ProcessVariables.FAILURE_MESSAGE);
        ALERT_LOG.error(
                "ALERT target={} run={}: {} ended FAILED at {}: {}",
                vars.string(ProcessVariables.TARGET),
                execution.getProcessInstanceId(),
                process,
                execution.getCurrentActivityId(),
                redactor.redact(failure));
    }
}

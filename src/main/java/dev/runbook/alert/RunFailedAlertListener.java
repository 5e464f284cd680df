package dev.runbook.alert;

import dev.runbook.process.ProcessVariables;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.springframework.stereotype.Component;

/**
 * Execution listener for end events with outcome {@code FAILED} ({@code ${runFailedAlertListener}}): raises an alert
 * naming the run, its target and the failure ({@code failureCode}, {@code failureMessage}), so a failed run is never
 * silent.
 */
@Component("runFailedAlertListener")
class RunFailedAlertListener implements ExecutionListener {

    private final Alerts alerts;

    RunFailedAlertListener(Alerts alerts) {
        this.alerts = alerts;
    }

    @Override
    public void notify(DelegateExecution execution) {
        ProcessVariables vars = ProcessVariables.of(execution);
        String process = execution.getProcessDefinitionId() == null ? "run"
                : execution.getProcessDefinitionId().split(":")[0];
        String failure = vars.string(ProcessVariables.FAILURE_CODE) == null ? "no failure recorded"
                : vars.string(ProcessVariables.FAILURE_CODE) + ": " + vars.string(ProcessVariables.FAILURE_MESSAGE);
        alerts.raise(vars.string(ProcessVariables.TARGET), execution.getProcessInstanceId(),
                process + " ended FAILED at " + execution.getCurrentActivityId(), failure);
    }
}

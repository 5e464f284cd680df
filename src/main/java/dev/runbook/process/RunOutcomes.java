package dev.runbook.process;

import org.camunda.bpm.engine.delegate.VariableScope;
import org.springframework.stereotype.Component;

/**
 * Sets a run's {@code runOutcome}, the one way the models do it: an end event's start listener
 * {@code ${runOutcomes.set(execution, 'DEPLOYED')}}. The value must name a {@link RunOutcome} (an unknown one is an
 * {@code IllegalArgumentException}, an incident); the variable stays a String (DESIGN.md). {@code BpmnModelTest}
 * refuses any other way of setting it in a model and any value that is not a {@link RunOutcome}.
 */
@Component("runOutcomes")
public class RunOutcomes {

    /** The bean name the models' listeners use. */
    public static final String BEAN = "runOutcomes";

    /** Sets {@code runOutcome} of {@code execution} to {@code outcome}, a {@link RunOutcome} name. */
    public void set(VariableScope execution, String outcome) {
        set(execution, RunOutcome.valueOf(outcome));
    }

    /** Sets {@code runOutcome} of {@code scope} to {@code outcome}. */
    public static void set(VariableScope scope, RunOutcome outcome) {
        scope.setVariable(ProcessVariables.RUN_OUTCOME, outcome.name());
    }
}

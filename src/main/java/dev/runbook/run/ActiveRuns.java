package dev.runbook.run;

import dev.runbook.process.ProcessVariables;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.runtime.VariableInstance;
import org.springframework.stereotype.Component;

/**
 * What the engine knows about runs, for steps and watchers in the tool packages, in plain Java types: which values
 * running process instances hold (so retention keeps what another run still needs), when a run started, whether a
 * check of a target is still running. The tool packages use this rather than the engine's services.
 */
@Component
public class ActiveRuns {

    private final RuntimeService runtime;
    private final HistoryService history;

    ActiveRuns(RuntimeService runtime, HistoryService history) {
        this.runtime = runtime;
        this.history = history;
    }

    /** The non-null values, as strings, of the named variables in every running process instance (any scope). */
    public Set<String> valuesOf(String... variableNames) {
        Set<String> values = new LinkedHashSet<>();
        for (VariableInstance variable : runtime.createVariableInstanceQuery()
                .variableNameIn(variableNames)
                .list()) {
            if (variable.getValue() != null) {
                values.add(variable.getValue().toString());
            }
        }
        return values;
    }

    /** When run {@code runId} started; empty when the history does not know it. */
    public Optional<Instant> startedAt(String runId) {
        HistoricProcessInstance run = history.createHistoricProcessInstanceQuery()
                .processInstanceId(runId)
                .singleResult();
        return Optional.ofNullable(run).map(found -> found.getStartTime().toInstant());
    }

    /** True while a run of {@code processKey} for {@code target} is running without an incident. */
    public boolean isRunning(String processKey, String target) {
        long running = runtime.createProcessInstanceQuery()
                .processDefinitionKey(processKey)
                .variableValueEquals(ProcessVariables.TARGET, target)
                .count();
        long stuck = runtime.createProcessInstanceQuery()
                .processDefinitionKey(processKey)
                .variableValueEquals(ProcessVariables.TARGET, target)
                .withIncident()
                .count();
        return running - stuck > 0;
    }
}

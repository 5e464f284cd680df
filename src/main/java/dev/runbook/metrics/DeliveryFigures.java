package dev.runbook.metrics;

import dev.runbook.process.ProcessVariables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.history.HistoricVariableInstance;

/**
 * The four delivery figures (DORA) of one target, computed from the run history of the last {@code window}:
 * <ul>
 * <li>{@code deployments}: {@code deploy} and {@code update} runs that ended {@code DEPLOYED}; {@code perDay} that
 * count divided by the window's days (deployment frequency);</li>
 * <li>{@code leadTimeSeconds}: median time from the request (run start) to {@code DEPLOYED} (run end);</li>
 * <li>{@code changeFailureRate}: share of {@code deploy}/{@code update} runs ending {@code ROLLED_BACK} or
 * {@code FAILED} among those ending {@code DEPLOYED}, {@code ROLLED_BACK} or {@code FAILED} (rejected and expired
 * requests changed nothing);</li>
 * <li>{@code timeToRestoreSeconds}: median time from the end of a failed change to the end of the target's next run
 * that ended {@code DEPLOYED} or {@code RESTORED} (a good release serving again; DORA's failed deployment recovery
 * time). A failure not yet followed by one is not counted.</li>
 * </ul>
 * A figure without data is NaN. The window should not exceed the models' history time-to-live (30 days).
 */
public final class DeliveryFigures {

    static final Set<String> CHANGES = Set.of("deploy", "update");
    static final Set<String> FAILURES = Set.of("ROLLED_BACK", "FAILED");
    static final Set<String> GOOD = Set.of("DEPLOYED", "RESTORED");

    /** The figures of one target. */
    public record Figures(
            long deployments,
            double perDay,
            double leadTimeSeconds,
            double changeFailureRate,
            double timeToRestoreSeconds) {}

    private record Run(String processKey, String outcome, Instant start, Instant end) {}

    private DeliveryFigures() {}

    /** Computes the figures of {@code target} over {@code window} back from {@code now}. */
    public static Figures compute(HistoryService history, String target, Instant now, Duration window) {
        List<Run> runs = runs(history, target, now.minus(window));
        long deployments = 0;
        long changes = 0;
        long failures = 0;
        List<Double> leadTimes = new ArrayList<>();
        List<Double> restores = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            if (!CHANGES.contains(run.processKey()) || run.outcome() == null) {
                continue;
            }
            if ("DEPLOYED".equals(run.outcome())) {
                deployments++;
                changes++;
                leadTimes.add(seconds(run.start(), run.end()));
            } else if (FAILURES.contains(run.outcome())) {
                changes++;
                failures++;
                runs.subList(i + 1, runs.size()).stream()
                        .filter(next -> next.outcome() != null && GOOD.contains(next.outcome()))
                        .findFirst()
                        .ifPresent(next -> restores.add(seconds(run.end(), next.end())));
            }
        }
        double days = window.toMillis() / 86_400_000.0;
        return new Figures(
                deployments,
                deployments / days,
                median(leadTimes),
                changes == 0 ? Double.NaN : (double) failures / changes,
                median(restores));
    }

    /** Ended deploy, update and rollback runs of the target in the window, oldest end first, with their outcome. */
    private static List<Run> runs(HistoryService history, String target, Instant since) {
        List<HistoricProcessInstance> instances = history.createHistoricProcessInstanceQuery()
                .processDefinitionKeyIn("deploy", "update", "rollback")
                .variableValueEquals(ProcessVariables.TARGET, target)
                .finished()
                .finishedAfter(Date.from(since))
                .orderByProcessInstanceEndTime()
                .asc()
                .list();
        if (instances.isEmpty()) {
            return new ArrayList<>();
        }
        Map<String, String> outcomes = new HashMap<>();
        for (HistoricVariableInstance variable : history.createHistoricVariableInstanceQuery()
                .variableName(ProcessVariables.RUN_OUTCOME)
                .processInstanceIdIn(
                        instances.stream().map(HistoricProcessInstance::getId).toArray(String[]::new))
                .list()) {
            outcomes.put(variable.getProcessInstanceId(), String.valueOf(variable.getValue()));
        }
        List<Run> runs = new ArrayList<>();
        for (HistoricProcessInstance instance : instances) {
            runs.add(new Run(
                    instance.getProcessDefinitionKey(),
                    outcomes.get(instance.getId()),
                    instance.getStartTime().toInstant(),
                    instance.getEndTime().toInstant()));
        }
        return runs;
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}

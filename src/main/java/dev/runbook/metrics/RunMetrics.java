package dev.runbook.metrics;

import dev.runbook.config.TargetRegistry;
import dev.runbook.process.RunOutcome;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * The run meters (Micrometer; Prometheus names in brackets):
 * <ul>
 * <li>{@code runbook.runs.started} [{@code runbook_runs_started_total}] by {@code process} and {@code target};</li>
 * <li>{@code runbook.runs.ended} [{@code runbook_runs_ended_total}] by {@code process}, {@code target} and
 * {@code outcome} (a {@code runOutcome} value, {@code CANCELED} for a deleted run);</li>
 * <li>{@code runbook.rollbacks} [{@code runbook_rollbacks_total}]: runs that undid their change (ended
 * {@code ROLLED_BACK} or {@code REVERTED});</li>
 * <li>{@code runbook.step.duration} [{@code runbook_step_duration_seconds}] by {@code process}, {@code step} (the
 * service task id) and {@code outcome} ({@code completed} or {@code canceled}, e.g. by an error);</li>
 * <li>{@code runbook.approval.wait} [{@code runbook_approval_wait_seconds}] by {@code process}: how long approval
 * tasks waited for a decision (or for their timeout);</li>
 * <li>{@code runbook.step.dispatch} [{@code runbook_step_dispatch_seconds}, with the 0.5 and 0.95 quantiles] by
 * {@code path} ({@code job}: a service task's job, from due to started by the job executor; {@code external}: a
 * host-bound step, from its external task's creation to its fetch by the host's worker) and {@code host}: what a step
 * waits before its work begins.</li>
 * </ul>
 * Tag values are bounded: targets not in the configuration count as {@code unknown}, outcomes outside
 * {@link RunOutcome} as {@code OTHER}.
 */
@Component
public class RunMetrics {

    private static final Set<String> OUTCOMES =
            Arrays.stream(RunOutcome.values()).map(Enum::name).collect(Collectors.toSet());

    /** {@code runbook.step.dispatch} paths. */
    public static final String JOB = "job";

    public static final String EXTERNAL = "external";

    private final MeterRegistry registry;
    private final Predicate<String> knownTarget;

    /** Meters on {@code registry}; only configured target names become tag values. */
    public RunMetrics(MeterRegistry registry, TargetRegistry targets) {
        this.registry = registry;
        this.knownTarget = name -> targets.find(name).isPresent();
    }

    void runStarted(String process, String target) {
        registry.counter("runbook.runs.started", "process", process, "target", target(target))
                .increment();
    }

    void runEnded(String process, String target, String outcome, boolean canceled) {
        String tag =
                outcome == null ? (canceled ? "CANCELED" : "NONE") : OUTCOMES.contains(outcome) ? outcome : "OTHER";
        registry.counter("runbook.runs.ended", "process", process, "target", target(target), "outcome", tag)
                .increment();
        if ("ROLLED_BACK".equals(tag) || "REVERTED".equals(tag)) {
            registry.counter("runbook.rollbacks", "process", process, "target", target(target))
                    .increment();
        }
    }

    void stepEnded(String process, String activityId, String activityType, long millis, boolean canceled) {
        String outcome = canceled ? "canceled" : "completed";
        if ("userTask".equals(activityType)) {
            Timer.builder("runbook.approval.wait")
                    .description("time an approval task waited")
                    .tag("process", process)
                    .tag("outcome", outcome)
                    .register(registry)
                    .record(Duration.ofMillis(millis));
        } else if ("serviceTask".equals(activityType)) {
            Timer.builder("runbook.step.duration")
                    .description("time a runbook step took")
                    .tag("process", process)
                    .tag("step", activityId)
                    .tag("outcome", outcome)
                    .register(registry)
                    .record(Duration.ofMillis(millis));
        }
    }

    /** A step waited {@code waited} between being ready and its work beginning ({@link #JOB} or {@link #EXTERNAL}). */
    public void stepDispatched(String path, String host, Duration waited) {
        Timer.builder("runbook.step.dispatch")
                .description("time a step waited between being ready and its work beginning")
                .tag("path", path)
                .tag("host", host)
                .publishPercentiles(0.5, 0.95)
                .register(registry)
                .record(waited.isNegative() ? Duration.ZERO : waited);
    }

    private String target(String target) {
        return target != null && knownTarget.test(target) ? target : "unknown";
    }
}

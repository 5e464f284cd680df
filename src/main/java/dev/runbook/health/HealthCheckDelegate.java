package dev.runbook.health;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepPreview;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_HealthCheck and Task_HealthCheckPreviousRelease: every selected component's health URL must answer 2xx within
 * the target's attempts; otherwise {@code HEALTH_CHECK_FAILED}.
 */
@Component("healthCheckDelegate")
@StepErrors(BpmnErrors.HEALTH_CHECK_FAILED)
class HealthCheckDelegate extends RunbookDelegate implements StepPreview {

    private final HealthChecker health;

    HealthCheckDelegate(TargetRegistry targets, Redactor redactor, HealthChecker health) {
        super(targets, redactor);
        this.health = health;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        for (ComponentSpec component :
                TargetRegistry.select(target, vars.components()).values()) {
            health.await(component.healthUrl(), target.health(), log);
        }
    }

    /** {@code GET <health URL>} of each selected component, with the target's attempts and interval. */
    @Override
    public Optional<Preview> preview(Release release) {
        Target target = release.target();
        List<PlannedCommand> commands = release.components().values().stream()
                .map(component -> new PlannedCommand("GET " + component.healthUrl(), null))
                .toList();
        return Optional.of(new Preview(
                commands,
                "until it answers 2xx: up to " + target.health().attempts() + " attempts, "
                        + target.health().interval().toMillis() + " ms apart"));
    }
}

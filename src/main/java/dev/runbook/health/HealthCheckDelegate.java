package dev.runbook.health;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.springframework.stereotype.Component;

/**
 * Task_HealthCheck and Task_HealthCheckPreviousRelease (and the restart runbook's check): every selected component's
 * health URL must answer 2xx within the target's attempts while PM2 shows its app neither crashed nor restarted since
 * the reload ({@link AppWatch}, against the {@code reloadBaseline} of the reload step before it); then the apps must
 * stay up for the stability window, counted from the moment the last URL first answered, so an app that boots
 * slowly and then crashes is caught. Otherwise {@code HEALTH_CHECK_FAILED}, at once when PM2 shows the crash, with the
 * end of the app's error log since the reload. After a reload it ends with one line per component saying how long the
 * app went without an answer, as its own poll saw it ({@link ReloadGap}: fork mode has a gap, cluster mode with 2+
 * instances none). A check after this run's reload or restart runs {@code pm2 save} during the stability window, once
 * every URL has answered ({@link Pm2Client#saveAfterChange}: a failing save is a warning), so a reboot resurrects
 * what answers; after a failed check the undo's check of the previous release saves that one.
 */
@Component("healthCheckDelegate")
@StepErrors(BpmnErrors.HEALTH_CHECK_FAILED)
class HealthCheckDelegate extends RunbookDelegate implements StepPreview {

    private final HealthChecker health;
    private final Pm2Client pm2;

    HealthCheckDelegate(TargetRegistry targets, Redactor redactor, HealthChecker health, Pm2Client pm2) {
        super(targets, redactor);
        this.health = health;
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        if (target.layout().currentId().isEmpty()) {
            // only in an undo: the run failed before its switch on a target where no release served before it
            log.line("no release serves on " + vars.target() + " (no "
                    + target.layout().current() + "), as before this run: nothing to check");
            return;
        }
        Map<String, ComponentSpec> components = TargetRegistry.select(target, vars.components());
        Optional<Pm2Baseline> baseline = Pm2Baseline.fromJson(vars.string(ProcessVariables.RELOAD_BASELINE));
        AppWatch watch = new AppWatch(
                pm2, components.values().stream().map(ComponentSpec::pm2App).toList(), target.root(), baseline, log);
        List<String> gaps = new ArrayList<>();
        try {
            components.forEach((name, component) -> {
                HealthChecker.Answer answer = health.poll(component.healthUrl(), target.health(), watch, log);
                baseline.filter(b -> b.restarts().containsKey(component.pm2App()))
                        .ifPresent(b -> gaps.add(ReloadGap.describe(
                                name, component.pm2App(), b, answer, watch.instances(component.pm2App()))));
            });
            // this run reloaded or restarted the apps, and they answer: the process list is saved while the
            // stability window runs (not after it: that would add a PM2 command to every run), so a reboot resurrects
            // them; if the window fails, the undo's check of the previous release saves again
            FutureTask<Void> save = baseline.isPresent() ? saving(target, log) : null;
            try {
                watch.stayUp(Instant.now(), target.health().stabilityWindow());
            } catch (StepFailedException e) {
                try {
                    await(save);
                } catch (RuntimeException saveFailed) {
                    e.addSuppressed(saveFailed);
                }
                throw e;
            }
            await(save);
        } catch (StepFailedException e) {
            // the undo stops this app before reloading the previous release, even if PM2 restarted it meanwhile
            watch.crashed().ifPresent(app -> vars.set(ProcessVariables.CRASHED_APP, app));
            throw e;
        }
        gaps.forEach(log::line);
    }

    /** {@code pm2 save} on a thread of its own, started now. */
    private FutureTask<Void> saving(Target target, StepLog log) {
        FutureTask<Void> save = new FutureTask<>(() -> pm2.saveAfterChange(target.root(), log), null);
        Thread thread = new Thread(save, "pm2-save");
        thread.setDaemon(true);
        thread.start();
        return save;
    }

    /** Waits for {@code save} (nothing when null) and rethrows what it threw. */
    private static void await(FutureTask<Void> save) {
        if (save == null) {
            return;
        }
        try {
            save.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pm2 save ran", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime
                    ? runtime
                    : new IllegalStateException("pm2 save failed", e.getCause());
        }
    }

    /** {@code GET <health URL>} of each selected component, with the target's attempts and interval. */
    @Override
    public Optional<Preview> preview(Release release) {
        Target target = release.target();
        List<PlannedCommand> commands = new ArrayList<>(release.components().values().stream()
                .map(component -> new PlannedCommand("GET " + component.healthUrl(), null))
                .toList());
        commands.add(PlannedCommand.of(pm2.saveCommand(target.root())));
        return Optional.of(new Preview(
                commands,
                "until it answers 2xx: up to " + target.health().attempts() + " attempts, "
                        + target.health().interval().toMillis() + " ms apart, ending at once when pm2 shows the app "
                        + "crashed or when it has answered without 2xx for "
                        + target.health().unhealthyGrace().toMillis() + " ms; then the apps must stay up for "
                        + target.health().stabilityWindow().toMillis()
                        + " ms, during which pm2 save runs (a failing save is a warning)"));
    }
}

package dev.runbook.pm2;

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
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * Task_Pm2Reload, after the switch: sets {@code appsReloaded} (from now on PM2 runs the new release), then
 * start-or-reload of each selected component's PM2 app from its ecosystem file through {@code current}, with
 * {@code --cwd current/<dir>} and the target's env, one after the other, each after the components it
 * {@code depends-on}; each must then be listed and online, and one that a later component depends on must answer its
 * health URL with a 2xx ({@link ReloadGate}) before that one is reloaded: a backend that crashes at boot (or answers
 * 503) fails the step before its frontend is reloaded, so users never get the new frontend in front of a broken
 * backend, and the undo reloads only what this run reloaded. An app PM2 runs from elsewhere is moved under {@code current} first. It records {@code reloadBaseline} ({@link Pm2Baseline})
 * for the health check that follows, which watches the apps until they have answered and stayed up (a slow boot must
 * not use up the stability window here), then saves the process list ({@code pm2 save}, so a reboot resurrects the
 * apps from {@code current}). The undo path's reload is {@link Pm2ReloadPreviousDelegate}.
 */
@Component("pm2ReloadDelegate")
@StepErrors({BpmnErrors.COMMAND_FAILED, BpmnErrors.HEALTH_CHECK_FAILED})
class Pm2ReloadDelegate extends RunbookDelegate implements StepPreview {

    private final Pm2Client pm2;
    private final ReloadGate gate;

    Pm2ReloadDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2, ReloadGate gate) {
        super(targets, redactor);
        this.pm2 = pm2;
        this.gate = gate;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        Map<String, ComponentSpec> selected = TargetRegistry.select(target, vars.components());
        List<String> order = TargetRegistry.reloadOrder(selected);
        vars.set(ProcessVariables.APPS_RELOADED, true);
        List<Pm2Process> listed = pm2.list(target.root(), log);
        Pm2Baseline reloaded = null;
        for (int i = 0; i < order.size(); i++) {
            String name = order.get(i);
            ComponentSpec component = selected.get(name);
            Pm2Client.App app = app(target, component);
            moveIntoCurrent(target, app, listed, log);
            List<String> dependents = order.subList(i + 1, order.size()).stream()
                    .filter(other -> selected.get(other).dependsOn().contains(name))
                    .toList();
            Pm2Baseline sofar = reloaded;
            Pm2Baseline one = polling(Map.of(app.name(), component.healthUrl()), log, () -> {
                Instant startedAt = Instant.now();
                // recorded before the command and again before the gate: when either fails (an app that is not online
                // after the reload, say), the undo knows which apps this run has reloaded
                Map<String, Integer> counts = new LinkedHashMap<>(Pm2Baseline.restartsByApp(
                        listed.stream().filter(p -> p.name().equals(app.name())).toList()));
                counts.putIfAbsent(app.name(), 0);
                Pm2Baseline before = new Pm2Baseline(startedAt, counts);
                vars.set(ProcessVariables.RELOAD_BASELINE, (sofar == null ? before : sofar.and(before)).toJson());
                List<Pm2Process> after;
                try {
                    after = pm2.startOrReload(List.of(app), target.env(), log);
                } catch (StepFailedException e) {
                    // not online right after its reload: crashing at boot; the undo stops it first
                    vars.set(ProcessVariables.CRASHED_APP, app.name());
                    throw e;
                }
                Pm2Baseline own = Pm2Baseline.of(startedAt, after);
                vars.set(ProcessVariables.RELOAD_BASELINE, (sofar == null ? own : sofar.and(own)).toJson());
                if (!dependents.isEmpty()) {
                    log.line("waiting for " + name + " to answer " + component.healthUrl() + " before reloading "
                            + String.join(", ", dependents) + " (depends-on)");
                    gate.awaitAnswer(target, component, own, after, vars, log);
                    log.line(name + " answers: reloading what depends on it");
                }
                return own;
            });
            reloaded = sofar == null ? one : sofar.and(one);
            vars.set(ProcessVariables.RELOAD_BASELINE, reloaded.toJson());
        }
    }

    /**
     * Start-or-reload of {@code apps}, then {@code reloadBaseline} for the health check that follows (which ends with
     * {@code pm2 save} once the apps are verified: not here, where it would lengthen the outage of a release that
     * crashes at boot by one PM2 command).
     */
    static void reload(Pm2Client pm2, List<Pm2Client.App> apps, Target target, ProcessVariables vars, StepLog log) {
        polling(target, vars, apps.stream().map(Pm2Client.App::name).toList(), log, () -> {
            Instant reloadedAt = Instant.now();
            return Pm2Baseline.of(reloadedAt, pm2.startOrReload(apps, target.env(), log));
        });
    }

    /**
     * Runs {@code change} (a reload or restart of the selected components' apps, returning its baseline) while {@link ReloadPoll} polls the apps' health URLs; logs
     * what the poll saw and sets {@code reloadBaseline} with it, for the health check that follows and shows the gap.
     */
    static void polling(
            Pm2Client pm2, Target target, ProcessVariables vars, StepLog log, Supplier<Pm2Baseline> change) {
        polling(target, vars, null, log, change);
    }

    /** As {@link #polling(Pm2Client, Target, ProcessVariables, StepLog, Supplier)}, polling only {@code apps} (all when null). */
    static void polling(
            Target target, ProcessVariables vars, List<String> apps, StepLog log, Supplier<Pm2Baseline> change) {
        Map<String, URI> urls = new LinkedHashMap<>();
        TargetRegistry.select(target, vars.components()).values().stream()
                .filter(component -> apps == null || apps.contains(component.pm2App()))
                .forEach(component -> urls.put(component.pm2App(), component.healthUrl()));
        vars.set(ProcessVariables.RELOAD_BASELINE, polling(urls, log, change).toJson());
    }

    /** Runs {@code change} while {@link ReloadPoll} polls {@code urls}; logs what it saw; the baseline with it. */
    private static Pm2Baseline polling(Map<String, URI> urls, StepLog log, Supplier<Pm2Baseline> change) {
        ReloadPoll poll = ReloadPoll.start(urls);
        Pm2Baseline baseline;
        Map<String, Pm2Baseline.Poll> seen;
        try {
            baseline = change.get();
        } finally {
            seen = poll.stop();
        }
        seen.forEach((app, p) -> log.line(ReloadPoll.describe(app, urls.get(app), p)));
        return baseline.withPolls(seen);
    }

    /**
     * An app PM2 runs from outside {@code current} (an in-place checkout being adopted, or started by hand) would keep
     * its old directory on a reload: it is deleted from PM2 first, so the start that follows runs it from
     * {@code current} (one restart, once).
     */
    private void moveIntoCurrent(Target target, Pm2Client.App app, List<Pm2Process> listed, StepLog log) {
        listed.stream()
                .filter(process -> process.name().equals(app.name()))
                .filter(process -> process.cwd() != null
                        && !Path.of(process.cwd())
                                .normalize()
                                .startsWith(target.layout().current()))
                .findFirst()
                .ifPresent(process -> {
                    log.line("pm2 app '" + app.name() + "' runs from " + process.cwd() + ", outside "
                            + target.layout().current()
                            + ": moving it there (pm2 delete, then start: one restart)");
                    pm2.delete(app.name(), target.root(), log);
                });
    }

    /** The PM2 apps of the selected components, in their reload order (each after what it depends on). */
    static List<Pm2Client.App> apps(Target target, String components) {
        Map<String, ComponentSpec> selected = TargetRegistry.select(target, components);
        return TargetRegistry.reloadOrder(selected).stream()
                .map(name -> app(target, selected.get(name)))
                .toList();
    }

    /**
     * A component's PM2 app as the platform starts it: the ecosystem file and the working directory through the
     * target's {@code current} link, so that PM2 runs whatever release {@code current} points at when it (re)starts.
     */
    static Pm2Client.App app(Target target, ComponentSpec component) {
        return new Pm2Client.App(
                target.layout().servingEcosystem(component),
                component.pm2App(),
                target.layout().servingDir(component));
    }

    /** Each selected component's {@code pm2 startOrReload}, as {@link Pm2Client#startOrReloadCommand} builds it. */
    @Override
    public Optional<Preview> preview(Release release) {
        Target target = release.target();
        List<String> order = TargetRegistry.reloadOrder(release.components());
        List<PlannedCommand> commands = order.stream()
                .map(name -> PlannedCommand.of(pm2.startOrReloadCommand(
                        app(target, release.components().get(name)), target.env())))
                .toList();
        boolean gated = order.stream()
                .anyMatch(name ->
                        release.components().get(name).dependsOn().stream().anyMatch(order::contains));
        return Optional.of(new Preview(
                commands,
                "each app must be listed online by pm2"
                        + (gated
                                ? "; a component others depend on (depends-on) must answer its health URL with a 2xx"
                                        + " before they are reloaded"
                                : "")));
    }
}

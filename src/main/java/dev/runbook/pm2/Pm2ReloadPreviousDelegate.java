package dev.runbook.pm2;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Task_ReloadPreviousRelease, after the compensation switched {@code current} back: the same start-or-reload as
 * {@link Pm2ReloadDelegate}, but only when {@code appsReloaded} is set. When no release served before the run, the
 * apps are started again from the in-place checkout being adopted ({@code workdir}), or removed from PM2 when there is
 * none. A run that failed before its reload (a failed
 * build, say) never touched the running apps, which still serve the previous release from memory, and a reload
 * would only restart them (in fork mode a moment without an answer); the health check of the previous release that
 * follows still checks them. An app of the failed release that is crash-looping ({@code errored}, {@code stopped}
 * between two restarts, or restarted since the run's reload) is stopped first ({@code pm2 stop}), so PM2's
 * autorestart does not keep running the broken code; a healthy one is only reloaded (no gap in cluster mode). The
 * check of the previous release that follows ends with {@code pm2 save}, and removing the apps (nothing served before)
 * saves here ({@link Pm2Client#saveAfterChange}), so a reboot resurrects the previous release, not the failed one.
 */
@Component("pm2ReloadPreviousDelegate")
@StepErrors({BpmnErrors.COMMAND_FAILED, BpmnErrors.HEALTH_CHECK_FAILED})
class Pm2ReloadPreviousDelegate extends RunbookDelegate {

    private final Pm2Client pm2;

    Pm2ReloadPreviousDelegate(TargetRegistry targets, Redactor redactor, Pm2Client pm2) {
        super(targets, redactor);
        this.pm2 = pm2;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        if (!Boolean.parseBoolean(vars.string(ProcessVariables.APPS_RELOADED))) {
            log.line("this run never reloaded the apps: they still run the previous release; not restarting them");
            return;
        }
        Target target = targets.get(vars.target());
        List<Pm2Client.App> apps = Pm2ReloadDelegate.apps(target, vars.components());
        Optional<Pm2Baseline> baseline = Pm2Baseline.fromJson(vars.string(ProcessVariables.RELOAD_BASELINE));
        String crashed = vars.string(ProcessVariables.CRASHED_APP);
        if (vars.previousReleaseId() != null
                && crashed != null
                && baseline.isPresent()
                && baseline.get().restarts().keySet().equals(Set.of(crashed))) {
            // the run reloaded one app and saw it crash (a backend others wait for, or the only component): that one
            // is stopped and reloaded, the others were never touched; no listing needed, the way back is shorter
            log.line("pm2 app '" + crashed + "' of the failed release is crash-looping, and the only app this run"
                    + " reloaded: stopping it before the previous release is reloaded; the others still serve the"
                    + " previous release and are not restarted");
            try {
                pm2.stop(crashed, target.root(), log);
            } catch (CommandFailedException e) {
                log.line("pm2 could not stop it (" + e.getMessage() + "): reloading it all the same");
            }
            Pm2ReloadDelegate.reload(
                    pm2, apps.stream().filter(app -> app.name().equals(crashed)).toList(), target, vars, log);
            return;
        }
        List<Pm2Process> listed = pm2.list(target.root(), log);
        stopCrashing(target, apps, listed, baseline, crashed, log);
        if (vars.previousReleaseId() != null) {
            List<Pm2Client.App> touched = touched(apps, listed, baseline, log);
            if (!touched.isEmpty()) {
                Pm2ReloadDelegate.reload(pm2, touched, target, vars, log);
            }
            return;
        }
        if (target.workdir() != null && Files.exists(target.workdir().resolve(".git"))) {
            log.line("before this run the apps ran from the in-place checkout " + target.workdir()
                    + ": starting them from there again");
            List<Pm2Client.App> inPlace = TargetRegistry.select(target, vars.components()).values().stream()
                    .map(component -> new Pm2Client.App(
                            target.workdir().resolve(component.ecosystem()).normalize(),
                            component.pm2App(),
                            target.workdir().resolve(component.dir()).normalize()))
                    .toList();
            java.time.Instant startedAt = java.time.Instant.now();
            vars.set(
                    ProcessVariables.RELOAD_BASELINE,
                    Pm2Baseline.fresh(startedAt, pm2.restartFresh(inPlace, target.env(), log))
                            .toJson());
            return;
        }
        log.line("no release served before this run: stopping its apps");
        for (Pm2Client.App app : apps) {
            pm2.delete(app.name(), target.root(), log);
        }
        pm2.saveAfterChange(target.root(), log);
    }

    /**
     * The apps this run reloaded, which now run (or crash-loop on) the failed release: those in the reload's baseline,
     * and any other that PM2 (re)started after the reload began (a reload that failed half-way through its command).
     * The others were never touched: they still serve the previous release from memory and are not restarted. Without
     * a baseline (the reload failed at its first command) every app.
     */
    private static List<Pm2Client.App> touched(
            List<Pm2Client.App> apps, List<Pm2Process> listed, Optional<Pm2Baseline> baseline, StepLog log) {
        if (baseline.isEmpty()) {
            return apps;
        }
        long reloadedAt = baseline.get().reloadedAt().toEpochMilli();
        List<Pm2Client.App> touched = new ArrayList<>();
        for (Pm2Client.App app : apps) {
            boolean restartedSince =
                    listed.stream().filter(p -> p.name().equals(app.name())).anyMatch(p -> p.startedAt() >= reloadedAt);
            if (baseline.get().restarts().containsKey(app.name()) || restartedSince) {
                touched.add(app);
            } else {
                log.line("pm2 app '" + app.name() + "' was not reloaded by this run: it still serves the previous"
                        + " release; not restarting it");
            }
        }
        return touched;
    }

    private void stopCrashing(
            Target target,
            List<Pm2Client.App> apps,
            List<Pm2Process> listed,
            Optional<Pm2Baseline> baseline,
            String crashed,
            StepLog log) {
        Map<String, Integer> restarts = Pm2Baseline.restartsByApp(listed);
        for (Pm2Client.App app : apps) {
            List<Pm2Process> instances =
                    listed.stream().filter(p -> p.name().equals(app.name())).toList();
            Integer after = baseline.map(b -> b.restarts().get(app.name())).orElse(null);
            boolean down =
                    instances.stream().anyMatch(p -> "errored".equals(p.status()) || "stopped".equals(p.status()));
            boolean restarted = after != null && restarts.getOrDefault(app.name(), 0) > after;
            // the app the failed health check saw crashing counts too: PM2 may have restarted it since (after the
            // switch back its autorestart runs the previous release), and its restart count alone would not tell
            if (!instances.isEmpty() && (down || restarted || app.name().equals(crashed))) {
                log.line("pm2 app '" + app.name() + "' of the failed release is crash-looping ("
                        + instances.get(0).status() + ", restarts " + restarts.get(app.name())
                        + "): stopping it before the previous release is reloaded");
                pm2.stop(app.name(), target.root(), log);
            }
        }
    }
}

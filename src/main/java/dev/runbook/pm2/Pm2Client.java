package dev.runbook.pm2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.exec.ToolMissingException;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * PM2 over {@link CommandRunner}: start-or-reload an app from its ecosystem file, read the process list
 * ({@code pm2 jlist}) into {@link Pm2Process} records, and judge an app by that list (listed and online after a
 * reload; for service-control also a restart count not climbing over the stability window), never by pm2's exit code
 * alone. After a reload or restart the health check watches the apps ({@code health/AppWatch}). PM2 uses the
 * platform's {@code PM2_HOME}.
 */
@Component
public class Pm2Client {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** Variables of the platform's environment that PM2 and the apps keep. */
    static final Set<String> INHERITED =
            Set.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PM2_HOME");

    private final CommandRunner runner;
    private final ObjectMapper json;
    private final String pm2;

    public Pm2Client(CommandRunner runner, ObjectMapper json, RunbookProperties properties) {
        this.runner = runner;
        this.json = json;
        this.pm2 = properties.tools().pm2();
    }

    /** The process list ({@code pm2 jlist}); starts the PM2 daemon when it is not running yet. */
    public List<Pm2Process> list(Path dir, StepLog log) {
        String output = runner.runChecked(command(dir, Map.of(), "jlist").withoutOutputLog(), log)
                .output();
        String array = lastJsonArray(output);
        try {
            List<Pm2Process> processes = new ArrayList<>();
            for (JsonNode node : json.readTree(array)) {
                JsonNode env = node.path("pm2_env");
                processes.add(new Pm2Process(
                        node.path("name").asText(),
                        node.path("pm_id").asInt(),
                        node.path("pid").asLong(),
                        env.path("status").asText("unknown"),
                        env.path("restart_time").asInt(),
                        env.path("pm_uptime").asLong(),
                        node.path("monit").path("memory").asLong(),
                        node.path("monit").path("cpu").asDouble(),
                        env.path("pm_out_log_path").asText(null),
                        env.path("pm_err_log_path").asText(null),
                        env.path("pm_cwd").asText(null),
                        env.path("exec_mode").asText(null)));
            }
            return processes;
        } catch (IOException e) {
            throw new IllegalStateException("cannot parse 'pm2 jlist' output: " + e.getMessage(), e);
        }
    }

    private static String lastJsonArray(String output) {
        String found = null;
        for (String line : output.split("\n")) {
            if (line.startsWith("[")) {
                found = line;
            }
        }
        if (found == null) {
            throw new IllegalStateException("'pm2 jlist' printed no process list");
        }
        return found;
    }

    /** The app of that name in the process list, if PM2 knows it. */
    public Optional<Pm2Process> find(String app, Path dir, StepLog log) {
        return list(dir, log).stream().filter(p -> p.name().equals(app)).findFirst();
    }

    /**
     * Starts each app, or reloads it when it runs, from its ecosystem file with the target's env
     * ({@code pm2 startOrReload <ecosystem> --only <app> --update-env} in the ecosystem file's directory, one app
     * after the other), then reads the process list once: each app must be listed and {@code online}. Whether the apps
     * stay up is the health check's business ({@code HealthCheckDelegate}): it watches them from the reload until they
     * have answered their health URLs and stayed up for the stability window, so a slow boot does not eat the window.
     *
     * @param apps the apps, in reload order; not empty
     * @return the apps as {@code pm2 jlist} shows them after the reload, every instance (each worker in cluster mode), in the order given (the watch's baseline)
     * @throws StepFailedException {@code HEALTH_CHECK_FAILED} when an app is missing or not online, with the end of
     *                             its error log since the reload
     */
    public List<Pm2Process> startOrReload(List<App> apps, Map<String, String> env, StepLog log) {
        Instant reloadedAt = Instant.now();
        for (App app : apps) {
            runner.runChecked(startOrReloadCommand(app, env), log);
        }
        return requireOnline(names(apps), apps.get(0).ecosystem().getParent(), reloadedAt, log);
    }

    /**
     * One PM2 app of a target: its ecosystem file (absolute), its name in PM2, and the working directory PM2 records
     * for it when it starts it ({@code --cwd}). Given as a path through the target's {@code current} link, PM2 keeps
     * that path, not where the link points, so each reload after a switch runs the new release's files; an app PM2
     * started elsewhere keeps its old working directory on a reload (PM2 7 ignores {@code --cwd} then).
     */
    public record App(Path ecosystem, String name, Path cwd) {
        public App(Path ecosystem, String name) {
            this(ecosystem, name, ecosystem.getParent());
        }
    }

    private static List<String> names(List<App> apps) {
        return apps.stream().map(App::name).toList();
    }

    /**
     * The command {@link #startOrReload} runs ({@code pm2 startOrReload <ecosystem> --only <app> --update-env --cwd <cwd>} in
     * the ecosystem file's directory), for plans shown before a run.
     */
    public Command startOrReloadCommand(App app, Map<String, String> env) {
        return command(
                app.ecosystem().getParent(),
                env,
                "startOrReload",
                app.ecosystem().getFileName().toString(),
                "--only",
                app.name(),
                "--update-env",
                "--cwd",
                app.cwd().toString());
    }

    /**
     * Checks that the apps stay up after a reload: a first {@code pm2 jlist} right away (each app must be listed with
     * {@code pm2_env.status} {@code online}; its {@code pm2_env.restart_time} is the baseline), a second one once
     * {@code stabilityWindow} has passed since {@code reloadedAtNanos} (each app still online, its restart count not
     * above the baseline). An app that crashes after the reload is restarted by PM2, which {@code pm2 startOrReload}'s
     * exit code does not show but the climbing count does. The time the first {@code jlist} takes counts towards the
     * window, so the step takes the window plus one {@code jlist}, not the window plus two.
     *
     * @param apps            PM2 app names
     * @param dir             directory to run {@code pm2} in
     * @param reloadedAtNanos {@link System#nanoTime()} when the last of the apps was reloaded
     * @param stabilityWindow how long after the reload the second sample is taken
     * @return the apps as the second {@code pm2 jlist} shows them, in the order given
     * @throws StepFailedException {@code HEALTH_CHECK_FAILED} naming the app that is missing, not online or restarted
     */
    public List<Pm2Process> awaitStable(
            List<String> apps, Path dir, long reloadedAtNanos, Duration stabilityWindow, StepLog log) {
        List<Pm2Process> first = requireOnline(apps, dir, null, log);
        sleep(Duration.ofNanos(reloadedAtNanos + stabilityWindow.toNanos() - System.nanoTime()));
        List<Pm2Process> second = requireOnline(apps, dir, null, log);
        for (int i = 0; i < apps.size(); i++) {
            int climbed = second.get(i).restarts() - first.get(i).restarts();
            if (climbed > 0) {
                throw new StepFailedException(
                        BpmnErrors.HEALTH_CHECK_FAILED,
                        "pm2 app '" + apps.get(i)
                                + "' restarted " + climbed + " time(s) within " + stabilityWindow.toMillis()
                                + " ms after the reload: it is crashing");
            }
            log.line("pm2 app '" + apps.get(i) + "' is online (pid "
                    + second.get(i).pid() + ", restarts " + second.get(i).restarts() + ")");
        }
        return second;
    }

    private List<Pm2Process> requireOnline(List<String> apps, Path dir, Instant since, StepLog log) {
        List<Pm2Process> listed = list(dir, log);
        List<Pm2Process> found = new ArrayList<>();
        for (String app : apps) {
            // every instance: in cluster mode each worker has its own entry and its own restart count
            List<Pm2Process> instances =
                    listed.stream().filter(p -> p.name().equals(app)).toList();
            if (instances.isEmpty()) {
                throw missing(app);
            }
            for (Pm2Process process : instances) {
                if (!process.online()) {
                    throw new StepFailedException(
                            BpmnErrors.HEALTH_CHECK_FAILED,
                            "pm2 app '" + process.name() + "' is " + process.status() + " after the reload (restarts "
                                    + process.restarts() + ")" + Pm2ErrorTail.of(process, since));
                }
            }
            found.addAll(instances);
        }
        return found;
    }

    private static StepFailedException missing(String app) {
        return new StepFailedException(
                BpmnErrors.HEALTH_CHECK_FAILED,
                "pm2 has no app named '" + app + "' after the reload; check the app name in the ecosystem file");
    }

    /**
     * Restarts each app with its environment read afresh from the ecosystem file and the target's env:
     * {@code pm2 delete <app>} (an unknown app is fine), then {@code pm2 start <ecosystem> --only <app>}, one app
     * after the other; then each must be listed and online, as after {@link #startOrReload}. A plain reload would keep
     * env keys that were removed from the ecosystem file.
     *
     * @return the apps as {@code pm2 jlist} shows them after the start, every instance, in the order given
     * @throws StepFailedException {@code HEALTH_CHECK_FAILED} when an app is missing or not online
     */
    public List<Pm2Process> restartFresh(List<App> apps, Map<String, String> env, StepLog log) {
        Instant startedAt = Instant.now();
        for (App app : apps) {
            Path dir = app.ecosystem().getParent();
            delete(app.name(), dir, log);
            runner.runChecked(
                    command(
                            dir,
                            env,
                            "start",
                            app.ecosystem().getFileName().toString(),
                            "--only",
                            app.name(),
                            "--cwd",
                            app.cwd().toString()),
                    log);
        }
        return requireOnline(names(apps), apps.get(0).ecosystem().getParent(), startedAt, log);
    }

    /**
     * One service-control action on an app of the target.
     * <ul>
     * <li>{@code start}: {@code pm2 start <ecosystem> --only <app> --update-env --cwd <cwd>}, then the stability check;</li>
     * <li>{@code stop}: {@code pm2 stop <app>}; an app PM2 does not know or that is stopped already is success;
     * afterwards the app must be {@code stopped};</li>
     * <li>{@code restart} / {@code reload}: {@code pm2 restart|reload <app> --update-env} (an app PM2 does not
     * know is started from the ecosystem file), then the stability check.</li>
     * </ul>
     *
     * @throws StepFailedException {@code HEALTH_CHECK_FAILED} when the app does not end in the expected state
     */
    public void control(String action, App target, Map<String, String> env, Duration stabilityWindow, StepLog log) {
        Path ecosystem = target.ecosystem();
        String app = target.name();
        Path dir = ecosystem.getParent();
        Optional<Pm2Process> current = find(app, dir, log);
        switch (action) {
            case "stop" -> {
                if (current.isEmpty() || "stopped".equals(current.get().status())) {
                    log.line("pm2 app '" + app + "' is not running: nothing to stop");
                    return;
                }
                stop(app, dir, log);
                String status = find(app, dir, log).map(Pm2Process::status).orElse("unknown");
                if (!"stopped".equals(status)) {
                    throw new StepFailedException(
                            BpmnErrors.HEALTH_CHECK_FAILED, "pm2 app '" + app + "' is " + status + " after 'pm2 stop'");
                }
            }
            case "start", "restart", "reload" -> {
                if (current.isEmpty() || "start".equals(action)) {
                    runner.runChecked(
                            command(
                                    dir,
                                    env,
                                    "start",
                                    ecosystem.getFileName().toString(),
                                    "--only",
                                    app,
                                    "--update-env",
                                    "--cwd",
                                    target.cwd().toString()),
                            log);
                } else {
                    runner.runChecked(command(dir, env, action, app, "--update-env"), log);
                }
                awaitStable(List.of(app), dir, System.nanoTime(), stabilityWindow, log);
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown service action '" + action + "': use start, stop, restart or reload");
        }
    }

    /** {@code pm2 stop <app>}: PM2 keeps the app listed but no longer restarts it. */
    public void stop(String app, Path dir, StepLog log) {
        runner.runChecked(command(dir, Map.of(), "stop", app), log);
    }

    /** {@code pm2 save}: the current process list is what {@code pm2 resurrect} brings back after a reboot. */
    public void save(Path dir, StepLog log) {
        runner.runChecked(saveCommand(dir), log);
    }

    /**
     * The command {@link #save} runs ({@code pm2 save --force} in {@code dir}, made absolute as every other step's
     * directory in a plan), for plans shown before a run.
     */
    public Command saveCommand(Path dir) {
        return command(dir.toAbsolutePath(), Map.of(), "save", "--force");
    }

    /**
     * {@link #save} after a step changed what PM2 runs (a reload, a restart, the undo's reload of the previous release),
     * so that a reboot ({@code pm2 resurrect}) brings back what the platform last made serve. A failing save is a
     * warning line in the step log, not a step failure: the apps serve what the step made them serve, and rolling back
     * a release that works because the dump could not be written would hurt the app to protect a file.
     */
    public void saveAfterChange(Path dir, StepLog log) {
        try {
            save(dir, log);
        } catch (CommandFailedException | ToolMissingException e) {
            log.line("warning: 'pm2 save' failed, so a reboot ('pm2 resurrect') would bring back the process list "
                    + "saved before; the apps serve on. Run 'pm2 save' on the target once this is fixed: "
                    + e.getMessage());
        }
    }

    /** {@code pm2 delete <app>}; an app PM2 does not know is not an error. */
    public void delete(String app, Path dir, StepLog log) {
        runner.run(command(dir, Map.of(), "delete", app), log);
    }

    private Command command(Path dir, Map<String, String> env, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(pm2);
        argv.addAll(List.of(args));
        return new Command(argv, dir, appEnvironment(env), TIMEOUT);
    }

    /**
     * The environment PM2 runs with, and so the apps it starts with {@code --update-env}: only the basic variables
     * of the platform's own environment ({@link #INHERITED}) plus the target's {@code env}. Everything else of the
     * platform (database passwords, Spring settings) is removed, so it never reaches an app or a PM2 dump.
     */
    static Map<String, String> appEnvironment(Map<String, String> targetEnv) {
        Map<String, String> env = new HashMap<>();
        System.getenv().keySet().stream()
                .filter(name -> !INHERITED.contains(name))
                .forEach(name -> env.put(name, null));
        env.putAll(targetEnv);
        return env;
    }

    private static void sleep(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while watching a pm2 app", e);
        }
    }
}

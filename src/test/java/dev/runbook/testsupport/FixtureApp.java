package dev.runbook.testsupport;

import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Puts the fixture target's PM2 app into the states a monitoring test needs, without a deploy run: serving its
 * release, writing error lines, crashing in a loop, stopped. The app runs from {@code current/backend/dist/main.js}
 * of the fixture's root, where {@code current} points at a release {@code fixture-app} cloned from the origin (with
 * the metadata of a finished release, so deploys see it as what serves), under
 * the test PM2 daemon, with the fixture's port.
 */
public final class FixtureApp {

    /** Serves like the released app but writes four ERROR lines and one WARN line to stderr when it starts. */
    public static final String WRITING_ERRORS = """
            const http = require('http');
            for (let i = 1; i <= 4; i++) console.error('ERROR payment failed order=' + i);
            console.error('WARN slow query');
            http.createServer((req, res) => {
              res.writeHead(200, { 'Content-Type': 'application/json' });
              res.end(JSON.stringify({ status: 'ok' }));
            }).listen(Number(process.env.PORT), '127.0.0.1');
            """;

    /** Listens, then exits with code 1 after 1.2 s (above PM2's min_uptime), so PM2 restarts it again and again. */
    public static final String CRASHING_IN_A_LOOP = """
            const http = require('http');
            http.createServer((req, res) => { res.writeHead(200); res.end('ok'); })
              .listen(Number(process.env.PORT), '127.0.0.1');
            setTimeout(() => process.exit(1), 1200);
            """;

    private final FixtureTarget target;

    public FixtureApp(FixtureTarget target) {
        this.target = target;
    }

    /** Serves the origin's {@code main} ({@code backend/src/main.js}). */
    public void serveRelease() {
        try {
            serve(Files.readString(release().resolve("backend/src/main.js")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The release {@code fixture-app} (a clone of the origin's main), made once, with {@code current} at it. */
    private Path release() {
        Path release = target.home.resolve("releases/fixture-app");
        try {
            if (!Files.isDirectory(release)) {
                Files.createDirectories(release.getParent());
                FixtureTarget.runner()
                        .runChecked(
                                new Command(
                                        List.of(
                                                "git",
                                                "clone",
                                                "--quiet",
                                                target.origin.toString(),
                                                release.toString()),
                                        target.home,
                                        Map.of(),
                                        Duration.ofMinutes(1)),
                                StepLog.NONE);
                String commit = FixtureTarget.runner()
                        .runChecked(
                                new Command(
                                        List.of("git", "rev-parse", "HEAD"), release, Map.of(), Duration.ofMinutes(1)),
                                StepLog.NONE)
                        .output()
                        .strip();
                Files.createDirectories(release.resolve(".runbook"));
                Files.writeString(
                        release.resolve(".runbook/release.json"),
                        "{\"id\":\"fixture-app\",\"commit\":\"" + commit + "\",\"ref\":\"main\",\"createdAt\":\""
                                + java.time.Instant.now() + "\",\"createdBy\":\"fixture\",\"runId\":null}");
            }
            Path link = target.home.resolve("current.fixture.tmp");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of("releases/fixture-app"));
            Files.move(link, target.current(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return release;
    }

    /**
     * (Re)starts the app from its ecosystem file with {@code mainJs} as its code and waits (at most a minute) until its
     * health URL answers, so that a check made next sees the app as started, however slow the machine.
     */
    public void serve(String mainJs) {
        try {
            Path main = release().resolve("backend/dist/main.js");
            Files.createDirectories(main.getParent());
            Files.writeString(main, mainJs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pm2("delete", target.app);
        pm2(
                "start",
                "ecosystem.config.js",
                "--only",
                target.app,
                "--cwd",
                target.current().resolve("backend").toString());
        Awaitility.await("app " + target.app + " answering on " + target.healthUrl())
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(100))
                .until(this::answers);
    }

    private boolean answers() {
        return !target.served().startsWith("unreachable");
    }

    /** {@code pm2 stop <app>}. */
    public void stop() {
        pm2("stop", target.app);
    }

    private void pm2(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2"));
        argv.addAll(List.of(args));
        FixtureTarget.runner()
                .run(
                        new Command(
                                argv,
                                target.current().resolve("backend"),
                                Map.of("PORT", String.valueOf(target.port)),
                                Duration.ofMinutes(1)),
                        StepLog.NONE);
    }
}

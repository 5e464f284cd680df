package dev.runbook.demo;

import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the demo app (a small Node backend with no dependencies, run by PM2) into a local bare git origin with
 * releases {@code v1} and {@code v2} on {@code main}, {@code v3-broken} (its health check answers 503) and
 * {@code build-broken} (its build exits 1) as tags off {@code main} (and, for tests, a clone of it). The app listens on
 * {@code $PORT} and answers {@code GET /api/health} with {@code {"status":"ok","version":"v2"}}. The demo profile and
 * the end-to-end tests use it as a real deploy target.
 */
public class DemoRepository {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final Map<String, String> GIT_ENV = Map.of(
            "GIT_AUTHOR_NAME",
            "Demo Developer",
            "GIT_AUTHOR_EMAIL",
            "dev@example.invalid",
            "GIT_COMMITTER_NAME",
            "Demo Developer",
            "GIT_COMMITTER_EMAIL",
            "dev@example.invalid",
            "GIT_TERMINAL_PROMPT",
            "0");

    private final CommandRunner runner;
    private final String git;

    public DemoRepository(CommandRunner runner, String git) {
        this.runner = runner;
        this.git = git;
    }

    /**
     * Creates {@code origin} (bare) and {@code workdir} (a clone at {@code main}) unless the work dir exists.
     *
     * @param appName the PM2 app name written into {@code backend/ecosystem.config.js}
     */
    public void createIfMissing(Path origin, Path workdir, String appName) {
        if (Files.isDirectory(workdir.resolve(".git"))) {
            return;
        }
        createOriginIfMissing(origin, appName);
        try {
            Files.createDirectories(workdir.getParent());
            git(workdir.getParent(), "clone", "--quiet", origin.toString(), workdir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clone the demo repository", e);
        }
    }

    /**
     * Creates the bare {@code origin} unless it exists.
     *
     * @param appName the PM2 app name written into {@code backend/ecosystem.config.js}
     */
    public void createOriginIfMissing(Path origin, String appName) {
        if (Files.isRegularFile(origin.resolve("HEAD"))) {
            return;
        }
        try {
            Path scratch = Files.createTempDirectory("runbook-demo-src");
            git(scratch, "init", "--quiet", "--initial-branch=main");
            write(scratch.resolve(".gitignore"), "node_modules/\ndist/\nlogs/\n");
            write(scratch.resolve("backend/package.json"), """
                    {
                      "name": "demo-backend",
                      "version": "1.0.0",
                      "private": true,
                      "scripts": { "build": "node build.js" }
                    }
                    """);
            write(scratch.resolve("backend/package-lock.json"), """
                    {
                      "name": "demo-backend",
                      "version": "1.0.0",
                      "lockfileVersion": 3,
                      "requires": true,
                      "packages": { "": { "name": "demo-backend", "version": "1.0.0" } }
                    }
                    """);
            write(scratch.resolve("backend/ecosystem.config.js"), """
                    module.exports = {
                      apps: [{
                        name: '%s',
                        script: 'dist/main.js',
                        cwd: __dirname,
                        instances: 1,
                        exec_mode: 'fork',
                        max_memory_restart: '200M',
                        time: true,
                        env: { NODE_ENV: 'production' }
                      }]
                    };
                    """.formatted(appName));
            release(scratch, "v1", 200, false);
            release(scratch, "v2", 200, false);
            git(scratch, "checkout", "--quiet", "-b", "broken");
            release(scratch, "v3-broken", 503, false);
            git(scratch, "checkout", "--quiet", "main");
            git(scratch, "checkout", "--quiet", "-b", "build-broken-branch");
            release(scratch, "build-broken", 200, true);
            git(scratch, "checkout", "--quiet", "main");
            Files.createDirectories(origin.getParent());
            git(origin.getParent(), "clone", "--quiet", "--bare", scratch.toString(), origin.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the demo repository", e);
        }
    }

    private void release(Path dir, String version, int healthStatus, boolean buildFails) throws IOException {
        write(dir.resolve("backend/build.js"), """
                const fs = require('fs');
                %s
                fs.mkdirSync('dist', { recursive: true });
                fs.copyFileSync('src/main.js', 'dist/main.js');
                console.log('built %s into dist/');
                """.formatted(
                        buildFails ? "console.error('build failed: type error in src/main.ts'); process.exit(1);" : "",
                        version));
        write(dir.resolve("backend/src/main.js"), """
                const http = require('http');
                const version = '%s';
                const port = Number(process.env.PORT || 3000);
                http.createServer((req, res) => {
                  if (req.url === '/api/health') {
                    res.writeHead(%d, { 'Content-Type': 'application/json' });
                    res.end(JSON.stringify({ status: %d === 200 ? 'ok' : 'failing', version }));
                  } else if (req.url === '/api/env') {
                    res.writeHead(200, { 'Content-Type': 'application/json' });
                    res.end(JSON.stringify({ NODE_ENV: process.env.NODE_ENV || null, GREETING: process.env.GREETING || null }));
                  } else {
                    res.writeHead(200, { 'Content-Type': 'text/plain' });
                    res.end('demo shop ' + version + '\\n');
                  }
                }).listen(port, '127.0.0.1', () => console.log('demo shop ' + version + ' listening on ' + port));
                """.formatted(version, healthStatus, healthStatus));
        git(dir, "add", "-A");
        git(dir, "commit", "--quiet", "-m", "Release " + version);
        git(dir, "tag", version);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private void git(Path dir, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(git);
        argv.addAll(List.of(args));
        runner.runChecked(new Command(argv, dir, GIT_ENV, TIMEOUT), StepLog.NONE);
    }
}

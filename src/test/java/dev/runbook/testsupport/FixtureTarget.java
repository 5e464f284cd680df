package dev.runbook.testsupport;

import dev.runbook.config.RunbookProperties;
import dev.runbook.demo.DemoRepository;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real deploy target for tests: the demo Node app in a local bare origin (releases v1, v2, v3-broken,
 * build-broken) cloned into a work dir under a temporary folder, served by PM2 on a free port, plus the
 * {@code runbook.*} properties that describe it. PM2 runs with the test {@code PM2_HOME} set by the build. As a
 * static {@code @RegisterExtension} field it removes its app from PM2 when the test class is done.
 */
public final class FixtureTarget implements AfterAllCallback {

    public final Path root;
    public final Path origin;
    public final Path workdir;
    public final Path dataDir;
    public final String app;
    public final int port;
    private final CommandRunner runner = runner();

    public FixtureTarget(String app) {
        try {
            this.root = Files.createTempDirectory("runbook-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.origin = root.resolve("shop-origin.git");
        this.workdir = root.resolve("shop");
        this.dataDir = root.resolve("data");
        this.app = app;
        this.port = freePort();
        new DemoRepository(runner, "git").createIfMissing(origin, workdir, app);
    }

    /** A command runner outside Spring, for set-up and checks. */
    public static CommandRunner runner() {
        return new CommandRunner(new Redactor(new RunbookProperties(Path.of("."), null, null, Map.of()), List.of()));
    }

    /** Registers data dir, database, users alice (operators), bob (approvers), carol (both), admin (camunda-admin) and target "shop". */
    public void register(DynamicPropertyRegistry registry, boolean approvalRequired) {
        TestDatabases.register(registry);
        properties(approvalRequired).forEach((key, value) -> registry.add(key, () -> value));
    }

    /** The {@code runbook.*} properties of this fixture: data dir, users and target "shop". */
    public Map<String, String> properties(boolean approvalRequired) {
        Map<String, String> properties = new java.util.LinkedHashMap<>();
        properties.put("runbook.data-dir", dataDir.toString());
        List<List<String>> users = List.of(
                List.of("alice", "operators"),
                List.of("bob", "approvers"),
                List.of("carol", "approvers", "operators"),
                List.of("admin", "camunda-admin"));
        for (int i = 0; i < users.size(); i++) {
            List<String> user = users.get(i);
            properties.put("runbook.identity.users[" + i + "].id", user.get(0));
            properties.put("runbook.identity.users[" + i + "].password", user.get(0) + "-pw");
            for (int g = 1; g < user.size(); g++) {
                properties.put("runbook.identity.users[" + i + "].groups[" + (g - 1) + "]", user.get(g));
            }
        }
        String prefix = "runbook.targets.shop.";
        properties.put(prefix + "workdir", workdir.toString());
        properties.put(prefix + "approval.required", String.valueOf(approvalRequired));
        properties.put(prefix + "approval.timeout", "PT1H");
        properties.put(prefix + "env.PORT", String.valueOf(port));
        properties.put(prefix + "env.NODE_ENV", "production");
        properties.put(prefix + "components.backend.dir", "backend");
        properties.put(prefix + "components.backend.pm2-app", app);
        properties.put(prefix + "components.backend.ecosystem", "backend/ecosystem.config.js");
        properties.put(prefix + "components.backend.health-url", healthUrl().toString());
        properties.put(prefix + "health.attempts", "10");
        properties.put(prefix + "health.interval", "PT0.5S");
        properties.put(prefix + "health.timeout", "PT2S");
        properties.put(prefix + "health.stability-window", "PT1S");
        properties.put(prefix + "backups.keep", "3");
        return properties;
    }

    /** Gives target "shop" a database: {@code database.kind} and {@code database.uri}. */
    public void registerDatabase(DynamicPropertyRegistry registry, String kind, String uri) {
        registry.add("runbook.targets.shop.database.kind", () -> kind);
        registry.add("runbook.targets.shop.database.uri", () -> uri);
    }

    public URI healthUrl() {
        return URI.create("http://127.0.0.1:" + port + "/api/health");
    }

    /** The body of {@code GET /api/health} of the served app, or the error text when nothing answers. */
    public String served() {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(healthUrl())
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return "unreachable: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** HEAD of the work dir. */
    public String head() {
        return git("rev-parse", "HEAD").strip();
    }

    /** SHA of a tag or branch in the origin. */
    public String sha(String ref) {
        return git("rev-parse", ref + "^{commit}").strip();
    }

    public String git(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        return runner.runChecked(new Command(argv, workdir, Map.of(), Duration.ofMinutes(1)), StepLog.NONE)
                .output();
    }

    /**
     * Publishes a new branch {@code branch} to the origin: {@code main} with {@code files} written (path relative to
     * the repository root; null content deletes the file). Returns the new commit's SHA.
     */
    public String publish(String branch, Map<String, String> files) {
        try {
            Path clone = Files.createTempDirectory(root, "publish-");
            Files.delete(clone);
            run(root, "git", "clone", "--quiet", origin.toString(), clone.toString());
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = clone.resolve(file.getKey());
                if (file.getValue() == null) {
                    Files.delete(path);
                } else {
                    Files.writeString(path, file.getValue());
                }
            }
            run(clone, "git", "add", "-A");
            run(
                    clone,
                    "git",
                    "-c",
                    "user.name=Test",
                    "-c",
                    "user.email=test@example.invalid",
                    "commit",
                    "--quiet",
                    "-m",
                    "Variant " + branch);
            run(clone, "git", "push", "--quiet", "origin", "HEAD:refs/heads/" + branch);
            return run(clone, "git", "rev-parse", "HEAD").strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Publishes a new branch {@code branch} to the origin: {@code main} plus one commit per map of files (as in
     * {@link #publish}), with subjects {@code "<branch>: change <n>"}. Returns the last commit's SHA.
     */
    public String publishCommits(String branch, List<Map<String, String>> commits) {
        try {
            Path clone = Files.createTempDirectory(root, "publish-");
            Files.delete(clone);
            run(root, "git", "clone", "--quiet", origin.toString(), clone.toString());
            for (int n = 0; n < commits.size(); n++) {
                for (Map.Entry<String, String> file : commits.get(n).entrySet()) {
                    Files.createDirectories(clone.resolve(file.getKey()).getParent());
                    Files.writeString(clone.resolve(file.getKey()), file.getValue());
                }
                run(clone, "git", "add", "-A");
                run(
                        clone,
                        "git",
                        "-c",
                        "user.name=Test",
                        "-c",
                        "user.email=test@example.invalid",
                        "commit",
                        "--quiet",
                        "-m",
                        branch + ": change " + (n + 1));
            }
            run(clone, "git", "push", "--quiet", "origin", "HEAD:refs/heads/" + branch);
            return run(clone, "git", "rev-parse", "HEAD").strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String run(Path dir, String... argv) {
        return runner.runChecked(new Command(List.of(argv), dir, Map.of(), Duration.ofMinutes(1)), StepLog.NONE)
                .output();
    }

    /** Removes this fixture's app from PM2 (the test PM2 daemon keeps running for other classes). */
    public void stopApp() {
        String pm2 = System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2");
        runner.run(new Command(List.of(pm2, "delete", app), root, Map.of(), Duration.ofMinutes(1)), StepLog.NONE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopApp();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

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
 * build-broken), the target's root {@link #home} (the release layout: releases/, current, shared/) under a temporary
 * folder, served by PM2 on a free port once deployed, plus the {@code runbook.*} properties that describe it. PM2 runs with the test {@code PM2_HOME} set by the build. As a
 * static {@code @RegisterExtension} field it removes its app from PM2 when the test class is done.
 */
public final class FixtureTarget implements AfterAllCallback {

    public final Path root;
    public final Path origin;
    /** The target's root ({@code runbook.targets.shop.root}): releases/, current, shared/, repo. */
    public final Path home;

    public final Path dataDir;
    public final String app;
    public final int port;
    private final CommandRunner runner = runner();
    /** How many hosts {@link #registerHost} gave target "shop". */
    private int hosts;

    public FixtureTarget(String app) {
        try {
            this.root = Files.createTempDirectory("runbook-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.origin = root.resolve("shop-origin.git");
        this.home = root.resolve("shop");
        this.dataDir = root.resolve("data");
        this.app = app;
        this.port = freePort();
        new DemoRepository(runner, "git").createOriginIfMissing(origin, app);
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        properties.put(prefix + "root", home.toString());
        properties.put(prefix + "remote", origin.toString());
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
        properties.put(prefix + "releases.keep", "3");
        return properties;
    }

    /**
     * Puts target "shop" on the remote {@code host}, whose agent signs in as {@code <agentUser>} (password
     * {@code <agentUser>-pw}, group agents) as identity user number {@code userIndex}.
     */
    public void registerHost(DynamicPropertyRegistry registry, int userIndex, String host, String agentUser) {
        String user = "runbook.identity.users[" + userIndex + "].";
        registry.add(user + "id", () -> agentUser);
        registry.add(user + "password", () -> agentUser + "-pw");
        registry.add(user + "groups[0]", () -> "agents");
        registry.add("runbook.hosts." + host + ".agent-user", () -> agentUser);
        registry.add("runbook.targets.shop.hosts[" + hosts++ + "]", () -> host);
    }

    /**
     * The command-line properties of an agent of {@code host} that serves target "shop": the target's description,
     * its own data directory under this fixture, the platform's address.
     */
    public Map<String, String> agentProperties(String host, String platformUrl) {
        Map<String, String> agent = new java.util.LinkedHashMap<>();
        properties(false).forEach((key, value) -> {
            if (key.startsWith("runbook.targets.")) {
                agent.put(key, value);
            }
        });
        agent.put("runbook.data-dir", root.resolve(host + "-data").toString());
        agent.put("runbook.agent.platform-url", platformUrl);
        agent.put("runbook.agent.host", host);
        return agent;
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
        return body(healthUrl());
    }

    /** The body of {@code GET url} (2 s timeout), or the error text when nothing answers. */
    public static String body(URI url) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(url)
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

    /** The {@code current} link of the target's root. */
    public Path current() {
        return home.resolve("current");
    }

    /** The commit of the serving release ({@code git rev-parse HEAD} in {@code current}), "none" before the first. */
    public String head() {
        if (!Files.exists(current())) {
            return "none";
        }
        return runner.runChecked(
                        new Command(List.of("git", "rev-parse", "HEAD"), current(), Map.of(), Duration.ofMinutes(1)),
                        StepLog.NONE)
                .output()
                .strip();
    }

    /** The id of the serving release (the name {@code current} points at), "none" before the first. */
    public String currentRelease() {
        try {
            return Files.isSymbolicLink(current())
                    ? Files.readSymbolicLink(current()).getFileName().toString()
                    : "none";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The release directories under {@code releases/}, oldest first (their ids sort by time). */
    public List<String> releases() {
        try (java.util.stream.Stream<Path> entries = Files.list(home.resolve("releases"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Points {@code current} at release {@code id}, as someone switching by hand would. */
    public void switchCurrent(String id) {
        try {
            Path link = home.resolve("current.test.tmp");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of("releases", id));
            Files.move(link, current(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A digest of a directory tree (every path under it, not following links, with each regular file's bytes and each
     * link's target), to show that nothing inside it changed.
     */
    public static String treeDigest(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir.toRealPath())) {
            Path real = dir.toRealPath();
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (Path path : paths.sorted().toList()) {
                digest.update(real.relativize(path).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (Files.isSymbolicLink(path)) {
                    digest.update(
                            Files.readSymbolicLink(path).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } else if (Files.isRegularFile(path)) {
                    digest.update(Files.readAllBytes(path));
                }
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA of a tag or branch in the origin. */
    public String sha(String ref) {
        return git("rev-parse", ref + "^{commit}").strip();
    }

    /** A git command in the bare origin. */
    public String git(String... args) {
        List<String> argv = new java.util.ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        return runner.runChecked(new Command(argv, origin, Map.of(), Duration.ofMinutes(1)), StepLog.NONE)
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
        pm2("delete", app);
    }

    /** A {@code pm2} command of the test PM2 daemon (the build's {@code PM2_HOME}), as an operator on the host runs it. */
    public String pm2(String... args) {
        List<String> argv = new java.util.ArrayList<>();
        argv.add(System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2"));
        argv.addAll(List.of(args));
        return runner.run(new Command(argv, root, Map.of(), Duration.ofMinutes(1)), StepLog.NONE)
                .output();
    }

    /**
     * This fixture's app as the last {@code pm2 save} wrote it into {@code $PM2_HOME/dump.pm2} (what {@code pm2
     * resurrect} starts after a reboot): its {@code pm2_env} fields ({@code pm_cwd}, {@code pm_exec_path},
     * {@code pm_uptime} ...); empty when the dump does not list it.
     */
    public Map<String, Object> dumped() {
        Path dump = Path.of(System.getenv("PM2_HOME"), "dump.pm2");
        try {
            List<Map<String, Object>> apps = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readValue(dump.toFile(), new com.fasterxml.jackson.core.type.TypeReference<>() {});
            return apps.stream()
                    .filter(entry -> app.equals(entry.get("name")))
                    .findFirst()
                    .orElse(Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopApp();
    }

    /** A TCP port free on this machine now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

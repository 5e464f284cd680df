package dev.runbook.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Approval;
import dev.runbook.config.RunbookProperties.Backups;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Health;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Release backups of a component folder with real files and a symbolic link, under a temporary data dir. */
class ReleaseBackupStoreTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path dir;

    Path backend;
    Target target;
    Map<String, ComponentSpec> components;
    ReleaseBackupStore store;
    StepLog log;

    @BeforeEach
    void setUp() throws IOException {
        Path workdir = dir.resolve("shop");
        backend = workdir.resolve("backend");
        Files.createDirectories(backend);
        ComponentSpec component = new ComponentSpec(
                "backend",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist", "node_modules"),
                "shop-backend",
                "backend/ecosystem.config.js",
                URI.create("http://127.0.0.1:3000/api/health"),
                null);
        components = Map.of("backend", component);
        target = new Target(
                workdir,
                "origin",
                "main",
                new Approval(false, Duration.ofHours(1)),
                Map.of(),
                components,
                null,
                new Backups(3, null, null),
                new Health(3, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                null,
                null,
                null);
        store = storeWithDataDir(dir.resolve("data"), new ObjectMapper().findAndRegisterModules());
        log = StepLog.of(dir.resolve("data"), "run1", "Task_ReleaseBackup");
    }

    @Test
    void shouldListArtifactsAndCommitInManifestWhenBackupIsCreated() throws IOException {
        writeRelease("v1");

        ReleaseManifest manifest = create();

        assertThat(manifest.commit()).isEqualTo(COMMIT);
        assertThat(manifest.artifacts()).containsExactly(Map.entry("backend", List.of("dist", "node_modules")));
        assertThat(manifest.pm2()).containsEntry("shop-backend", "online");
        assertThat(manifest.sizeBytes()).isPositive();
        assertThat(store.find("shop", manifest.id())).contains(manifest);
    }

    @Test
    void shouldGiveEveryBackupItsOwnIdWhenManyAreTakenInTheSameSecond() throws Exception {
        writeRelease("v1");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<ReleaseManifest>> backups = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            backups.add(pool.submit(this::create));
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (var backup : backups) {
            ids.add(backup.get().id());
        }
        pool.shutdown();

        assertThat(ids).hasSize(16);
        assertThat(store.list("shop")).hasSize(16);
    }

    @Test
    void shouldPutOldArtifactsBackAndKeepSymlinkWhenRestoring() throws IOException {
        writeRelease("v1");
        ReleaseManifest manifest = create();
        Files.writeString(backend.resolve("dist/main.js"), "console.log('v2');\n");
        Files.writeString(backend.resolve("dist/extra.js"), "new in v2\n");
        FileTrees.delete(backend.resolve("node_modules"));

        store.restoreArtifacts("shop", target, components, manifest.id(), log);

        assertRelease("v1");
        assertThat(backend.resolve("dist/extra.js")).doesNotExist();
    }

    @Test
    void shouldShareNodeModulesFilesWithTheBackupButCopyDist() throws IOException {
        writeRelease("v1");

        ReleaseManifest manifest = create();

        Path saved = dir.resolve("data/releases/shop").resolve(manifest.id()).resolve("backend");
        // npm ci deletes node_modules before it installs: the backup may share those files, no bytes are copied
        assertThat(Files.isSameFile(
                        saved.resolve("node_modules/tool/cli.js"), backend.resolve("node_modules/tool/cli.js")))
                .isTrue();
        // a build may rewrite dist files in place: the backup keeps its own copy
        assertThat(Files.isSameFile(saved.resolve("dist/main.js"), backend.resolve("dist/main.js")))
                .isFalse();
        assertThat(saved.resolve("node_modules/.bin/tool")).isSymbolicLink();
    }

    @Test
    void shouldKeepOldContentInBackupWhenTheBuildRewritesDistInPlace() throws IOException {
        writeRelease("v1");
        ReleaseManifest manifest = create();

        // what tsc does: open the existing file, truncate it, write the new content (same inode)
        Files.writeString(
                backend.resolve("dist/main.js"),
                "console.log('v2');\n",
                java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        store.restoreArtifacts("shop", target, components, manifest.id(), log);

        assertRelease("v1");
    }

    @Test
    void shouldRestoreOldNodeModulesAfterARealNpmCiReplacedThem() throws Exception {
        Path pkg = dir.resolve("left-pad");
        Files.createDirectories(pkg);
        Files.writeString(pkg.resolve("package.json"), "{\"name\":\"left-pad\",\"version\":\"1.0.0\"}\n");
        Files.writeString(pkg.resolve("index.js"), "module.exports = 'v1';\n");
        npm(pkg, "pack");
        Files.writeString(pkg.resolve("index.js"), "module.exports = 'v2';\n");
        Files.writeString(pkg.resolve("package.json"), "{\"name\":\"left-pad\",\"version\":\"2.0.0\"}\n");
        npm(pkg, "pack");
        installLeftPad("1.0.0");
        ReleaseManifest manifest = create();
        Path installed = backend.resolve("node_modules/left-pad/index.js");
        assertThat(installed).hasContent("module.exports = 'v1';");

        installLeftPad("2.0.0");
        assertThat(installed).hasContent("module.exports = 'v2';");
        store.restoreArtifacts("shop", target, components, manifest.id(), log);

        assertThat(installed).hasContent("module.exports = 'v1';");
        assertThat(backend.resolve("node_modules/left-pad/package.json"))
                .content()
                .contains("\"1.0.0\"");
    }

    @Test
    void shouldRefuseToRestoreWhenASharedFileWasEditedInPlaceAfterTheBackup() throws Exception {
        writeRelease("v1");
        ReleaseManifest manifest = create();
        Thread.sleep(50); // an edit some time after the backup, not in the same clock tick
        Path shared = backend.resolve("node_modules/tool/cli.js");
        Files.writeString(
                shared,
                "// patched by hand\n",
                java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        FileTrees.delete(backend.resolve("dist"));

        Throwable failure =
                catchThrowable(() -> store.restoreArtifacts("shop", target, components, manifest.id(), log));

        assertThat(failure).isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(failure.getCause()).hasMessageContaining("tool/cli.js").hasMessageContaining("modified");
        assertThat(shared).hasContent("// patched by hand");
    }

    @Test
    void shouldRemoveArtifactWhenItWasAbsentAtBackupTime() throws IOException {
        Files.createDirectories(backend.resolve("dist"));
        Files.writeString(backend.resolve("dist/main.js"), "v1\n");
        ReleaseManifest manifest = create();
        assertThat(manifest.artifacts().get("backend")).containsExactly("dist");
        Files.createDirectories(backend.resolve("node_modules/left-pad"));

        store.restoreArtifacts("shop", target, components, manifest.id(), log);

        assertThat(backend.resolve("node_modules")).doesNotExist();
        assertThat(backend.resolve("dist/main.js")).hasContent("v1");
    }

    @Test
    void shouldGiveSameResultWhenRestoringTwice() throws IOException {
        writeRelease("v1");
        ReleaseManifest manifest = create();
        writeRelease("v2");

        store.restoreArtifacts("shop", target, components, manifest.id(), log);
        store.restoreArtifacts("shop", target, components, manifest.id(), log);

        assertRelease("v1");
        try (Stream<Path> siblings = Files.list(backend)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("dist", "node_modules");
        }
    }

    @Test
    void shouldListNewestFirstAndKeepNewestAndInUseWhenApplyingRetention() throws IOException {
        writeRelease("v1");
        String oldest = create().id();
        String second = create().id();
        String third = create().id();
        String newest = create().id();
        assertThat(store.list("shop")).extracting(ReleaseManifest::id).containsExactly(newest, third, second, oldest);

        List<String> deleted = store.applyRetention("shop", 2, Set.of(oldest), log);

        assertThat(deleted).containsExactly(second);
        assertThat(store.list("shop")).extracting(ReleaseManifest::id).containsExactly(newest, third, oldest);
        assertThat(dir.resolve("data/releases/shop").resolve(second)).doesNotExist();
    }

    @Test
    void shouldFindNothingWhenIdIsAPathOrManifestBelongsToAnotherTarget() throws IOException {
        writeRelease("v1");
        ReleaseManifest manifest = create();
        Path copy = Files.createDirectories(dir.resolve("data/releases/other").resolve(manifest.id()));
        Files.copy(
                dir.resolve("data/releases/shop").resolve(manifest.id()).resolve("manifest.json"),
                copy.resolve("manifest.json"));

        assertThat(store.find("shop", "../shop/" + manifest.id())).isEmpty();
        assertThat(store.find("shop", "..")).isEmpty();
        assertThat(store.find("other", "../shop/" + manifest.id())).isEmpty();
        assertThat(store.find("other", manifest.id())).isEmpty();
        assertThat(store.find("shop", null)).isEmpty();
        assertThat(store.find("shop", manifest.id())).isPresent();
    }

    @Test
    void shouldFailBackupWhenDataDirCannotBeCreated() throws IOException {
        writeRelease("v1");
        Path file = Files.writeString(dir.resolve("not-a-dir"), "a regular file\n");
        ReleaseBackupStore blocked =
                storeWithDataDir(file.resolve("data"), new ObjectMapper().findAndRegisterModules());

        StepFailedException failure = catchThrowableOfType(
                () -> blocked.create("shop", target, components, COMMIT, Map.of(), "alice", "run1", log),
                StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.BACKUP_FAILED);
        assertThat(failure.getMessage()).contains("not-a-dir");
        assertThat(blocked.list("shop")).isEmpty();
    }

    @Test
    void shouldLeaveNoPartialBackupWhenWritingFailsAfterCopying() throws IOException {
        writeRelease("v1");
        // without the java.time module Jackson cannot write the manifest's Instant: fails after the copy
        ReleaseBackupStore failing = storeWithDataDir(dir.resolve("data"), new ObjectMapper());

        StepFailedException failure = catchThrowableOfType(
                () -> failing.create("shop", target, components, COMMIT, Map.of(), "alice", "run1", log),
                StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.BACKUP_FAILED);
        try (Stream<Path> left = Files.list(dir.resolve("data/releases/shop"))) {
            assertThat(left).isEmpty();
        }
        assertThat(store.list("shop")).isEmpty();
    }

    private ReleaseManifest create() {
        return store.create("shop", target, components, COMMIT, Map.of("shop-backend", "online"), "alice", "run1", log);
    }

    /** dist/main.js, node_modules/tool/cli.js and the link node_modules/.bin/tool -> ../tool/cli.js. */
    private void writeRelease(String version) throws IOException {
        FileTrees.delete(backend.resolve("dist"));
        FileTrees.delete(backend.resolve("node_modules"));
        Files.createDirectories(backend.resolve("dist"));
        Files.writeString(backend.resolve("dist/main.js"), "console.log('" + version + "');\n");
        Files.createDirectories(backend.resolve("node_modules/tool"));
        Files.createDirectories(backend.resolve("node_modules/.bin"));
        Files.writeString(backend.resolve("node_modules/tool/cli.js"), "// tool for " + version + "\n");
        Files.createSymbolicLink(backend.resolve("node_modules/.bin/tool"), Path.of("../tool/cli.js"));
    }

    private void assertRelease(String version) throws IOException {
        assertThat(backend.resolve("dist/main.js")).hasContent("console.log('" + version + "');");
        assertThat(backend.resolve("node_modules/tool/cli.js")).hasContent("// tool for " + version);
        Path link = backend.resolve("node_modules/.bin/tool");
        assertThat(link).isSymbolicLink();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("../tool/cli.js"));
        assertThat(link).hasContent("// tool for " + version);
    }

    /** A real {@code npm install} (to write the lock file) then {@code npm ci} of left-pad from a local tarball. */
    private void installLeftPad(String version) throws Exception {
        Files.deleteIfExists(backend.resolve("package-lock.json"));
        Files.writeString(
                backend.resolve("package.json"),
                "{\"name\":\"shop\",\"version\":\"1.0.0\","
                        + "\"dependencies\":{\"left-pad\":\"file:../../left-pad/left-pad-" + version + ".tgz\"}}\n");
        npm(backend, "install", "--no-audit", "--no-fund", "--package-lock-only");
        npm(backend, "ci", "--no-audit", "--no-fund");
    }

    private static void npm(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("npm"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as("npm %s in %s: %s", args, dir, output).isZero();
    }

    private ReleaseBackupStore storeWithDataDir(Path dataDir, ObjectMapper json) {
        RunbookProperties properties = new RunbookProperties(dataDir, null, null, Map.of("shop", target));
        return new ReleaseBackupStore(new DataDir(properties), json);
    }
}

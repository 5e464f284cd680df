package dev.runbook.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.demo.DemoRepository;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.FixtureTarget;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Release directories on a real git mirror of the demo origin (v1, v2 on main): prepared beside each other, switched
 * atomically, shared files linked, listed with sizes counted once per inode, pruned without ever touching the serving
 * release.
 */
class ReleaseDirectoriesTest {

    @TempDir
    static Path shared;

    static Path origin;

    @TempDir
    Path root;

    ReleaseLayout layout;
    ReleaseDirectories directories;
    GitClient git;
    StepLog log;

    @BeforeAll
    static void createOrigin() {
        origin = shared.resolve("shop-origin.git");
        new DemoRepository(FixtureTarget.runner(), "git").createIfMissing(origin, shared.resolve("seed"), "shop");
    }

    @BeforeEach
    void setUp() {
        git = new GitClient(
                FixtureTarget.runner(),
                new RunbookProperties(
                        root,
                        new Tools("git", "npm", "pm2", null, null, null, null, Duration.ofMinutes(1)),
                        null,
                        Map.of()));
        directories = new ReleaseDirectories(git, new ObjectMapper().registerModule(new JavaTimeModule()));
        layout = new ReleaseLayout(root.resolve("shop"));
        log = StepLog.NONE;
        directories.updateMirror(layout, origin.toString(), log);
    }

    @Test
    void shouldCheckOutEachReleaseInItsOwnDirectoryFromTheMirror() throws IOException {
        prepare("r1", "v1");
        prepare("r2", "v2");

        assertThat(Files.readString(layout.release("r1").resolve("backend/src/main.js")))
                .contains("'v1'");
        assertThat(Files.readString(layout.release("r2").resolve("backend/src/main.js")))
                .contains("'v2'");
        assertThat(directories.metadata(layout, "r2").orElseThrow().commit()).isEqualTo(sha("v2"));
    }

    @Test
    void shouldKeepAFinishedReleaseAndRedoAnUnfinishedOneWhenPreparedAgain() throws IOException {
        prepare("r1", "v1");
        Path marker = layout.release("r1").resolve("backend/built.txt");
        Files.writeString(marker, "built");

        prepare("r1", "v1");
        assertThat(marker).exists();

        Files.delete(layout.release("r1").resolve(".runbook/release.json"));
        prepare("r1", "v1");
        assertThat(marker).doesNotExist();
        assertThat(directories.metadata(layout, "r1")).isPresent();
    }

    @Test
    void shouldSwitchCurrentAtomicallyAndReportWhatServedBefore() throws IOException {
        prepare("r1", "v1");
        prepare("r2", "v2");

        assertThat(layout.switchTo("r1")).isEmpty();
        assertThat(Files.readString(layout.current().resolve("backend/src/main.js")))
                .contains("'v1'");
        assertThat(layout.switchTo("r2")).contains("r1");
        assertThat(layout.currentId()).contains("r2");
        assertThat(Files.readSymbolicLink(layout.current())).isEqualTo(Path.of("releases/r2"));
        assertThat(layout.switchTo("r2")).contains("r2");
        assertThat(Files.readString(layout.current().resolve("backend/src/main.js")))
                .contains("'v2'");
    }

    @Test
    void shouldRefuseToSwitchWhenCurrentIsARealDirectoryOrTheReleaseIsMissing() throws IOException {
        prepare("r1", "v1");
        Files.createDirectories(layout.current());

        assertThatIllegalStateException()
                .isThrownBy(() -> layout.switchTo("r1"))
                .withMessageContaining("not a symbolic link");
        assertThatIllegalStateException()
                .isThrownBy(() -> layout.switchTo("r9"))
                .withMessageContaining("does not exist");
        assertThatIllegalArgumentException().isThrownBy(() -> layout.release("../etc"));
    }

    @Test
    void shouldLinkSharedFilesAndFoldersIntoTheRelease() throws IOException {
        prepare("r1", "v1");
        ComponentSpec backend = backend(List.of("logs", ".env"));
        Files.createDirectories(layout.shared().resolve("backend"));
        Files.writeString(layout.shared().resolve("backend/.env"), "API_KEY=x\n");

        directories.linkShared(layout, "r1", "backend", backend, log);

        Path release = layout.release("r1").resolve("backend");
        assertThat(Files.isSymbolicLink(release.resolve(".env"))).isTrue();
        assertThat(Files.readString(release.resolve(".env"))).isEqualTo("API_KEY=x\n");
        assertThat(layout.shared().resolve("backend/logs")).isDirectory();
        Files.writeString(release.resolve("logs/app.log"), "line\n");
        assertThat(layout.shared().resolve("backend/logs/app.log")).hasContent("line");
    }

    @Test
    void shouldStopBeforeAnyChangeWhenASharedFileIsMissingOrLeavesTheComponent() {
        prepare("r1", "v1");

        StepFailedException missing = catchThrowableOfType(
                StepFailedException.class,
                () -> directories.linkShared(layout, "r1", "backend", backend(List.of(".env")), log));
        StepFailedException escaping = catchThrowableOfType(
                StepFailedException.class,
                () -> directories.linkShared(layout, "r1", "backend", backend(List.of("../../etc")), log));

        assertThat(missing.code()).isEqualTo(BpmnErrors.PRECONDITION_FAILED);
        assertThat(missing.getMessage()).contains("shared/backend/.env").contains("does not exist");
        assertThat(escaping.getMessage()).contains("must be a path inside the component directory");
    }

    @Test
    void shouldCountHardLinkedFilesOnceAcrossReleases() throws IOException {
        prepare("r1", "v1");
        prepare("r2", "v2");
        Path modules1 = layout.release("r1").resolve("backend/node_modules/pkg");
        Files.createDirectories(modules1);
        Files.write(modules1.resolve("index.js"), new byte[100_000]);
        Files.createDirectories(layout.release("r2").resolve("backend/node_modules/pkg"));
        Files.createLink(
                layout.release("r2").resolve("backend/node_modules/pkg/index.js"), modules1.resolve("index.js"));
        layout.switchTo("r2");

        List<ReleaseSummary> releases = directories.list(layout, log);

        assertThat(releases).extracting(ReleaseSummary::id).containsExactly("r2", "r1");
        assertThat(releases.get(0).current()).isTrue();
        assertThat(releases.get(0).tags()).containsExactly("v2");
        assertThat(releases.get(1).sizeBytes()).isGreaterThan(100_000);
        assertThat(releases.get(0).sizeBytes()).isLessThan(10_000);
    }

    @Test
    void shouldPruneOldReleasesButNeverTheServingThePreviousOrAProtectedOne() {
        for (String id : List.of("r1", "r2", "r3", "r4", "r5")) {
            prepare(id, "v1");
        }
        layout.switchTo("r3");

        List<String> removed = directories.prune(layout, 1, null, Set.of("r1"), log);

        assertThat(removed).containsExactly("r4");
        assertThat(directories.all(layout)).extracting(ReleaseMetadata::id).containsExactly("r5", "r3", "r2", "r1");
    }

    @Test
    void shouldPruneOldestFirstWhenTheReleasesExceedTheByteBudget() throws IOException {
        for (String id : List.of("r1", "r2", "r3", "r4")) {
            prepare(id, "v1");
            Files.write(layout.release(id).resolve("big.bin"), new byte[200_000]);
        }
        layout.switchTo("r4");

        List<String> removed = directories.prune(layout, 10, DataSize.ofBytes(450_000), Set.of(), log);

        assertThat(removed).containsExactly("r1", "r2");
        assertThat(directories.all(layout)).extracting(ReleaseMetadata::id).containsExactly("r4", "r3");
    }

    @Test
    void shouldNeverDiscardTheServingRelease() {
        prepare("r1", "v1");
        layout.switchTo("r1");

        assertThatIllegalStateException().isThrownBy(() -> directories.discard(layout, "r1", log));
        assertThat(layout.release("r1")).isDirectory();
    }

    private void prepare(String id, String tag) {
        directories.prepare(layout, new ReleaseMetadata(id, sha(tag), tag, Instant.now(), "alice", "run-" + id), log);
        sleepAMillisecond();
    }

    private static void sleepAMillisecond() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String sha(String tag) {
        return git.resolve(layout.repository(), "origin", tag, log);
    }

    private static ComponentSpec backend(List<String> shared) {
        return new ComponentSpec(
                "backend",
                null,
                null,
                null,
                null,
                "shop",
                "backend/ecosystem.config.js",
                URI.create("http://x"),
                shared,
                null);
    }
}

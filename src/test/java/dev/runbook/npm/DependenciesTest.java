package dev.runbook.npm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.exec.StepLog;
import dev.runbook.npm.Dependencies.Decision;
import dev.runbook.npm.Dependencies.Fingerprint;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.FixtureTarget;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reuse of the serving release's node_modules: decided on the lock file, Node.js, npm and the install command (real
 * node and npm versions), linked without copying bytes, and a build that writes into a shared file found before the
 * switch.
 */
class DependenciesTest {

    @TempDir
    Path dir;

    Path serving;
    Path next;
    Dependencies dependencies;
    ComponentSpec backend = new ComponentSpec(
            "backend",
            List.of("npm", "ci"),
            null,
            null,
            null,
            "shop",
            "backend/ecosystem.config.js",
            URI.create("http://x"),
            null,
            null);

    @BeforeEach
    void setUp() throws IOException {
        dependencies = new Dependencies(
                FixtureTarget.runner(),
                new RunbookProperties(
                        dir,
                        new RunbookProperties.Tools("git", "npm", "pm2", null, null, null, null, Duration.ofMinutes(1)),
                        null,
                        Map.of()),
                new ObjectMapper(),
                null);
        serving = dir.resolve("releases/r1/backend");
        next = dir.resolve("releases/r2/backend");
        for (Path release : List.of(serving, next)) {
            Files.createDirectories(release);
            Files.writeString(release.resolve("package-lock.json"), "{\"lockfileVersion\":3}");
            Files.writeString(
                    release.resolve("package.json"), "{\"version\":\"1.0.0\",\"dependencies\":{\"a\":\"1\"}}");
        }
        Files.createDirectories(serving.resolve("node_modules/left-pad/.bin"));
        Files.writeString(serving.resolve("node_modules/left-pad/index.js"), "module.exports = 1;\n");
        Files.createDirectories(serving.resolve("node_modules/.cache/babel"));
        Files.writeString(serving.resolve("node_modules/.cache/babel/x.json"), "{}");
        Files.createSymbolicLink(serving.resolve("node_modules/.bin-pad"), Path.of("left-pad/index.js"));
    }

    @Test
    void shouldReuseWhenLockFileNodeNpmAndInstallCommandAreUnchanged() {
        Fingerprint had = dependencies.fingerprint(serving, backend, StepLog.NONE);
        Fingerprint wanted = dependencies.fingerprint(next, backend, StepLog.NONE);

        Decision decision = dependencies.decide(serving, Optional.of(had), wanted);

        assertThat(decision.reuse()).isTrue();
        assertThat(decision.reason())
                .contains("package-lock.json")
                .contains("Node.js v")
                .contains("unchanged");
        assertThat(wanted.node()).startsWith("v");
    }

    @Test
    void shouldInstallAndSayWhyWhenAnythingDiffers() throws IOException {
        Fingerprint had = dependencies.fingerprint(serving, backend, StepLog.NONE);
        Files.writeString(next.resolve("package-lock.json"), "{\"lockfileVersion\":3,\"packages\":{}}");
        Fingerprint changedLock = dependencies.fingerprint(next, backend, StepLog.NONE);
        Fingerprint otherNode =
                new Fingerprint(had.lockFile(), had.lockBlob(), "v99.0.0", had.npm(), had.install(), had.manifest());
        Fingerprint otherInstall = new Fingerprint(
                had.lockFile(), had.lockBlob(), had.node(), had.npm(), List.of("npm", "install"), had.manifest());

        assertThat(dependencies.decide(serving, Optional.of(had), changedLock).reason())
                .isEqualTo("package-lock.json changed");
        assertThat(dependencies.decide(serving, Optional.of(had), otherNode).reason())
                .startsWith("Node.js changed (" + had.node() + " -> v99.0.0)");
        assertThat(dependencies.decide(serving, Optional.of(had), otherInstall).reason())
                .isEqualTo("the install command changed");
        assertThat(dependencies.decide(serving, Optional.empty(), had).reuse()).isFalse();
        Files.writeString(next.resolve("package-lock.json"), "{\"lockfileVersion\":3}");
        Files.writeString(next.resolve("package.json"), "{\"version\":\"1.0.1\",\"dependencies\":{\"a\":\"1\"}}");
        assertThat(dependencies
                        .decide(serving, Optional.of(had), dependencies.fingerprint(next, backend, StepLog.NONE))
                        .reuse())
                .as("a version bump keeps the dependencies")
                .isTrue();
        Files.writeString(next.resolve("package.json"), "{\"version\":\"1.0.1\",\"dependencies\":{\"a\":\"2\"}}");
        assertThat(dependencies
                        .decide(serving, Optional.of(had), dependencies.fingerprint(next, backend, StepLog.NONE))
                        .reason())
                .isEqualTo("the dependencies in package.json changed");
        assertThat(dependencies.decide(null, Optional.of(had), had).reason()).isEqualTo("no release serves yet");
    }

    @Test
    void shouldLinkFilesCopyCachesAndKeepSymbolicLinks() throws IOException {
        dependencies.link(serving, next, StepLog.NONE);

        assertThat(inode(next.resolve("node_modules/left-pad/index.js")))
                .isEqualTo(inode(serving.resolve("node_modules/left-pad/index.js")));
        assertThat(inode(next.resolve("node_modules/.cache/babel/x.json")))
                .isNotEqualTo(inode(serving.resolve("node_modules/.cache/babel/x.json")));
        assertThat(Files.readSymbolicLink(next.resolve("node_modules/.bin-pad")))
                .isEqualTo(Path.of("left-pad/index.js"));
    }

    @Test
    void shouldFindABuildThatWroteIntoASharedFileButNotOneThatReplacedIt() throws Exception {
        Instant linkedAt = dependencies.link(serving, next, StepLog.NONE);
        Thread.sleep(20);
        Files.writeString(next.resolve("node_modules/.cache/babel/x.json"), "{\"rewritten\":true}");
        Path fresh = next.resolve("node_modules/left-pad/index.js.new");
        Files.writeString(fresh, "module.exports = 2;\n");
        Files.move(fresh, next.resolve("node_modules/left-pad/index.js"), StandardCopyOption.REPLACE_EXISTING);

        dependencies.requireUnchanged(next, linkedAt, serving);
        assertThat(serving.resolve("node_modules/left-pad/index.js")).hasContent("module.exports = 1;");

        Files.writeString(serving.resolve("node_modules/left-pad/index.js"), "module.exports = 1;\n");
        Instant relinkedAt = relink();
        Thread.sleep(20);
        Files.writeString(next.resolve("node_modules/left-pad/index.js"), "patched in place");
        StepFailedException failure = catchThrowableOfType(
                StepFailedException.class, () -> dependencies.requireUnchanged(next, relinkedAt, serving));

        assertThat(failure.getMessage())
                .contains("left-pad/index.js", "will not serve", "installed afresh")
                .contains(serving.resolve("node_modules/left-pad/index.js").toString());
        assertThat(serving.resolve("node_modules/left-pad/index.js"))
                .as("one inode: the serving release's copy changed too, as the message says")
                .hasContent("patched in place");
    }

    @Test
    void shouldIdentifyTheLockFileAsGitDoes() {
        assertThat(Dependencies.blobId("hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
    }

    private Instant relink() throws IOException {
        dev.runbook.release.FileTrees.delete(next.resolve("node_modules"));
        return dependencies.link(serving, next, StepLog.NONE);
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }
}

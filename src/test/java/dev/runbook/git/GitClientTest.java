package dev.runbook.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.demo.DemoRepository;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandResult;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient.CommitInfo;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.FixtureTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The git client on real repositories: the demo origin (releases v1, v2 on main; v3-broken on branch broken;
 * build-broken on build-broken-branch), built once, and a fresh clone of it for each test.
 */
class GitClientTest {

    private static final CommandRunner runner = FixtureTarget.runner();

    @TempDir
    static Path shared;

    static Path origin;

    @TempDir
    Path dir;

    Path workdir;
    StepLog log;
    GitClient git;

    @BeforeAll
    static void createOrigin() {
        origin = shared.resolve("shop-origin.git");
        new DemoRepository(runner, "git").createIfMissing(origin, shared.resolve("seed"), "shop-backend");
    }

    @BeforeEach
    void cloneOrigin() {
        workdir = dir.resolve("shop");
        gitChecked(dir, "clone", "--quiet", origin.toString(), workdir.toString());
        log = StepLog.of(dir, "run1", "Task_GitCheckout");
        git = new GitClient(
                runner,
                new RunbookProperties(
                        dir,
                        new Tools("git", "npm", "pm2", null, null, null, null, Duration.ofMinutes(1)),
                        null,
                        Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"main", "v1.2.3", "feature/x", "0123456789abcdef0123456789abcdef01234567"})
    void shouldAcceptRefWhenItIsBranchTagOrSha(String ref) {
        assertThat(GitClient.validateRef(ref)).isEqualTo(ref);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"--upload-pack=x", "-x", "a..b", "a b", "a;b", "$(x)", "/abs", "x/", "x.lock"})
    void shouldRejectRefWhenItCouldBeAnOptionOrIsMalformed(String ref) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GitClient.validateRef(ref))
                .withMessageContaining("invalid git ref");
    }

    @Test
    void shouldResolveTagRemoteBranchAndShaToTheirCommit() {
        String v1 = sha("v1");

        assertThat(git.resolve(workdir, "origin", "v1", log)).isEqualTo(v1).matches("[0-9a-f]{40}");
        assertThat(git.resolve(workdir, "origin", "broken", log)).isEqualTo(sha("v3-broken"));
        assertThat(git.resolve(workdir, "origin", v1, log)).isEqualTo(v1);
    }

    @Test
    void shouldPreferRemoteBranchWhenLocalBranchIsBehind() {
        gitChecked(workdir, "checkout", "--quiet", "--detach");
        gitChecked(workdir, "branch", "--force", "main", "v1");

        assertThat(git.resolve(workdir, "origin", "main", log)).isEqualTo(sha("v2"));
    }

    @Test
    void shouldFailPreconditionWhenRefNamesNoCommit() {
        StepFailedException failure = catchThrowableOfType(
                () -> git.resolve(workdir, "origin", "v9-never-released", log), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.PRECONDITION_FAILED);
        assertThat(failure.getMessage()).contains("v9-never-released");
    }

    @Test
    void shouldListTrackedFilesChangedByHandButNeverWhatTheBuildCreated() throws IOException {
        Files.writeString(workdir.resolve("backend/src/main.js"), "// hot fix on the server\n");
        Files.writeString(workdir.resolve("notes.txt"), "todo\n");
        Files.createDirectories(workdir.resolve("backend/dist"));
        Files.writeString(workdir.resolve("backend/dist/main.js"), "built\n");
        Files.delete(workdir.resolve(".gitignore"));

        assertThat(git.changedTrackedFiles(workdir, log)).containsExactly(".gitignore", "backend/src/main.js");
    }

    @Test
    void shouldNotReportTrackedFilesTheBuildRewroteButStillReportLaterEditsByHand() throws IOException {
        Files.writeString(workdir.resolve("backend/src/main.js"), "// rewritten by the build\n");
        git.stageTrackedChanges(workdir, "backend", log);

        assertThat(git.changedTrackedFiles(workdir, log)).isEmpty();
        assertThat(git.stagedFiles(workdir, "backend", log)).containsExactly("backend/src/main.js");

        Files.writeString(workdir.resolve("backend/src/main.js"), "// hot fix on the server\n");
        assertThat(git.changedTrackedFiles(workdir, log)).containsExactly("backend/src/main.js");
    }

    @Test
    void shouldReportNoFilesWhenNothingTrackedChanged() throws IOException {
        Files.createDirectories(workdir.resolve("backend/node_modules/x"));
        Files.writeString(workdir.resolve("backend/node_modules/x/index.js"), "\n");

        assertThat(git.changedTrackedFiles(workdir, log)).isEmpty();
    }

    @Test
    void shouldCheckOutCommitWhenHeadIsAlreadyDetached() throws IOException {
        git.checkout(workdir, sha("v1"), log);
        assertThat(git.head(workdir, log)).isEqualTo(sha("v1"));
        assertThat(Files.readString(workdir.resolve("backend/src/main.js"))).contains("const version = 'v1'");

        git.checkout(workdir, sha("v3-broken"), log);

        assertThat(git.head(workdir, log)).isEqualTo(sha("v3-broken"));
        assertThat(Files.readString(workdir.resolve("backend/src/main.js"))).contains("const version = 'v3-broken'");
        assertThat(git(workdir, "symbolic-ref", "-q", "HEAD").exitCode())
                .as("HEAD detached")
                .isNotZero();
    }

    @Test
    void shouldRejectCheckoutWhenShaIsNotFullHex() {
        assertThatIllegalArgumentException().isThrownBy(() -> git.checkout(workdir, "main", log));
    }

    @Test
    void shouldResolveOlderTagAfterFetchWhenCloneIsShallow() {
        Path shallow = dir.resolve("shallow");
        gitChecked(dir, "clone", "--quiet", "--depth", "1", "file://" + origin, shallow.toString());
        StepFailedException before =
                catchThrowableOfType(() -> git.resolve(shallow, "origin", "v1", log), StepFailedException.class);
        assertThat(before.code()).isEqualTo(BpmnErrors.PRECONDITION_FAILED);

        git.fetch(shallow, "origin", log);

        assertThat(git.resolve(shallow, "origin", "v1", log)).isEqualTo(sha("v1"));
        assertThat(gitChecked(shallow, "rev-parse", "--is-shallow-repository").strip())
                .isEqualTo("false");
    }

    @Test
    void shouldListCommitsNewestFirstWithSubjectAndAuthor() {
        List<CommitInfo> commits = git.commitsBetween(workdir, "v1", "v3-broken", 10, log);

        assertThat(commits).extracting(CommitInfo::subject).containsExactly("Release v3-broken", "Release v2");
        assertThat(commits).extracting(CommitInfo::sha).containsExactly(sha("v3-broken"), sha("v2"));
        assertThat(commits).allSatisfy(commit -> {
            assertThat(commit.author()).isEqualTo("Demo Developer");
            assertThat(commit.date()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
        });
    }

    @Test
    void shouldListHistoryUpToLimitWhenFromIsNull() {
        assertThat(git.commitsBetween(workdir, null, "v2", 10, log))
                .extracting(CommitInfo::subject)
                .containsExactly("Release v2", "Release v1");
        assertThat(git.commitsBetween(workdir, null, "v2", 1, log)).hasSize(1);
    }

    private String sha(String ref) {
        return gitChecked(workdir, "rev-parse", ref + "^{commit}").strip();
    }

    /** Runs git in a directory and returns its result whatever the exit code. */
    private static CommandResult git(Path in, String... args) {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        return runner.run(new Command(argv, in, Map.of(), Duration.ofMinutes(1)), StepLog.NONE);
    }

    /** Runs git in a directory; fails the test set-up on a non-zero exit. */
    private static String gitChecked(Path in, String... args) {
        CommandResult result = git(in, args);
        assertThat(result.exitCode())
                .as("git %s: %s", List.of(args), result.output())
                .isZero();
        return result.output();
    }
}

package dev.runbook.git;

import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandResult;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The git operations of a release, over {@link CommandRunner}: fetch, resolve a ref, check the work tree is clean,
 * check out a commit detached, read HEAD, list commits. Never {@code git pull}. Refs are validated before git sees
 * them ({@link #validateRef}).
 */
@Component
public class GitClient {

    /** Allowed ref characters; a ref must not start with '-' nor contain '..'. */
    public static final Pattern REF = Pattern.compile("[A-Za-z0-9._/-]{1,200}");

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    /** git must never prompt for credentials or open an editor. */
    private static final Map<String, String> ENV =
            Map.of("GIT_TERMINAL_PROMPT", "0", "GIT_EDITOR", "true", "LC_ALL", "C");

    private final CommandRunner runner;
    private final String git;

    public GitClient(CommandRunner runner, RunbookProperties properties) {
        this.runner = runner;
        this.git = properties.tools().git();
    }

    /**
     * Checks a user-supplied ref (branch, tag or SHA) before any git command sees it.
     *
     * @throws IllegalArgumentException when it is blank, starts with '-', contains '..', '//', ends with '/' or
     *                                  '.lock', has a component starting with '.' (git check-ref-format refuses
     *                                  those), or holds characters outside {@code [A-Za-z0-9._/-]}
     */
    public static String validateRef(String ref) {
        if (ref == null
                || !REF.matcher(ref).matches()
                || ref.startsWith("-")
                || ref.startsWith("/")
                || ref.contains("..")
                || ref.contains("//")
                || ref.endsWith("/")
                || ref.endsWith(".lock")
                || ref.startsWith(".")
                || ref.contains("/.")) {
            throw new IllegalArgumentException("invalid git ref '" + ref + "': use a branch, tag or commit SHA made of "
                    + "letters, digits and . _ / - (not starting with '-' or '.', no '..')");
        }
        return ref;
    }

    /** {@code git fetch --tags --force --prune <remote>}; on a shallow clone also {@code --unshallow}. */
    public void fetch(Path workdir, String remote, StepLog log) {
        List<String> args = new ArrayList<>(List.of("fetch", "--tags", "--force", "--prune"));
        if (isShallow(workdir, log)) {
            args.add("--unshallow");
        }
        args.add(validateRef(remote));
        git(workdir, log, args);
    }

    private boolean isShallow(Path workdir, StepLog log) {
        return "true"
                .equals(git(workdir, log, List.of("rev-parse", "--is-shallow-repository"))
                        .output()
                        .strip());
    }

    /**
     * Resolves a branch (preferring {@code <remote>/<branch>}), tag or SHA to a 40-hex commit SHA
     * ({@code git rev-parse --verify --quiet <candidate>^{commit}}).
     *
     * @throws StepFailedException {@code PRECONDITION_FAILED} when the ref names no commit
     */
    public String resolve(Path workdir, String remote, String ref, StepLog log) {
        validateRef(ref);
        List<String> candidates = SHA.matcher(ref).matches()
                ? List.of(ref)
                : List.of("refs/remotes/" + remote + "/" + ref, "refs/tags/" + ref, ref);
        for (String candidate : candidates) {
            CommandResult result = runner.run(
                    command(
                            workdir,
                            List.of("rev-parse", "--verify", "--quiet", "--end-of-options", candidate + "^{commit}")),
                    log);
            String sha = result.output().strip();
            if (result.succeeded() && SHA.matcher(sha).matches()) {
                return sha;
            }
        }
        throw new StepFailedException(
                BpmnErrors.PRECONDITION_FAILED,
                "git ref '" + ref + "' names no commit in " + workdir + " (after fetching " + remote + ")");
    }

    /**
     * The paths that {@code git status --porcelain --untracked-files=normal} reports as modified or untracked
     * (ignored files such as dist and node_modules are not reported). Empty when the tree is clean.
     */
    public List<String> dirtyFiles(Path workdir, StepLog log) {
        String output = git(workdir, log, List.of("status", "--porcelain", "--untracked-files=normal"))
                .output();
        return Arrays.stream(output.split("\n"))
                .filter(line -> line.length() > 3)
                .map(line -> line.substring(3))
                .toList();
    }

    /** Throws {@code PRECONDITION_FAILED} listing the files when the work tree has local changes. */
    public void requireClean(Path workdir, StepLog log) {
        List<String> dirty = dirtyFiles(workdir, log);
        if (!dirty.isEmpty()) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "work tree " + workdir + " has local changes; commit, stash or remove them first: "
                            + String.join(", ", dirty));
        }
    }

    /** The 40-hex SHA of HEAD ({@code git rev-parse HEAD}); a detached HEAD is normal. */
    public String head(Path workdir, StepLog log) {
        return git(workdir, log, List.of("rev-parse", "HEAD")).output().strip();
    }

    /** {@code git checkout --detach --force <sha>}: the work tree then holds exactly that commit's tracked files. */
    public void checkout(Path workdir, String sha, StepLog log) {
        runner.runChecked(checkoutCommand(workdir, sha), log);
    }

    /**
     * The command {@link #checkout} runs, for plans shown before a run.
     *
     * @throws IllegalArgumentException when {@code sha} is not a 40-hex commit SHA
     */
    public Command checkoutCommand(Path workdir, String sha) {
        if (sha == null || !SHA.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a 40-hex commit SHA: " + sha);
        }
        return command(workdir, List.of("checkout", "--detach", "--force", sha));
    }

    /** The subject line of a commit ({@code git log -1 --format=%s <sha>}). */
    public String subject(Path workdir, String sha, StepLog log) {
        return git(workdir, log, List.of("log", "-1", "--format=%s", sha, "--"))
                .output()
                .strip();
    }

    /** How many commits are in {@code to} but not in {@code from} ({@code git rev-list --count from..to}). */
    public int countBetween(Path workdir, String from, String to, StepLog log) {
        return Integer.parseInt(git(workdir, log, List.of("rev-list", "--count", from + ".." + to, "--"))
                .output()
                .strip());
    }

    /**
     * Paths (relative to the repository root) that differ between two commits, in either direction
     * ({@code git diff --name-only from to --}).
     */
    public List<String> changedFiles(Path workdir, String from, String to, StepLog log) {
        String output = git(workdir, log, List.of("-c", "core.quotePath=false", "diff", "--name-only", from, to, "--"))
                .output();
        return Arrays.stream(output.split("\n"))
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList();
    }

    /**
     * Commits in {@code to} but not in {@code from}, newest first, at most {@code limit}
     * ({@code git log --format=%H%x1f%s%x1f%an%x1f%aI from..to}).
     */
    public List<CommitInfo> commitsBetween(Path workdir, String from, String to, int limit, StepLog log) {
        String range = from == null ? to : from + ".." + to;
        String output = git(
                        workdir,
                        log,
                        List.of("log", "--max-count=" + limit, "--format=%H%x1f%s%x1f%an%x1f%aI", range, "--"))
                .output();
        return Arrays.stream(output.split("\n"))
                .map(line -> line.split("\u001f", -1))
                .filter(f -> f.length == 4)
                .map(f -> new CommitInfo(f[0], f[1], f[2], f[3]))
                .toList();
    }

    private CommandResult git(Path workdir, StepLog log, List<String> args) {
        return runner.runChecked(command(workdir, args), log);
    }

    private Command command(Path workdir, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(git);
        argv.addAll(args);
        return new Command(argv, workdir, ENV, TIMEOUT);
    }

    /** One commit: 40-hex SHA, subject line, author name, author date (ISO-8601). */
    public record CommitInfo(String sha, String subject, String author, String date) {}
}

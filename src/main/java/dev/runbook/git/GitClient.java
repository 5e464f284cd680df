package dev.runbook.git;

import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandResult;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

    /**
     * Keeps a bare mirror of the remote at {@code mirror}, owned by the platform, so that no deploy ever fetches into
     * a serving tree: {@code git clone --mirror -- <url> <mirror>} the first time (into {@code <mirror>.partial},
     * renamed when complete), then {@code git remote set-url origin -- <url>} and
     * {@code git fetch --prune --force origin}, which brings every branch and tag as the remote has them.
     *
     * @param url the remote's URL or local path (not starting with '-')
     */
    public void mirror(Path mirror, String url, StepLog log) {
        if (url == null || url.isBlank() || url.startsWith("-")) {
            throw new IllegalArgumentException("invalid git remote URL '" + url + "'");
        }
        if (Files.isRegularFile(mirror.resolve("HEAD"))) {
            git(mirror, log, List.of("remote", "set-url", "origin", "--", url));
            git(mirror, log, List.of("fetch", "--prune", "--force", "origin"));
            return;
        }
        Path partial = mirror.resolveSibling(mirror.getFileName() + ".partial");
        try {
            Files.createDirectories(mirror.getParent());
            deleteTree(partial);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + partial, e);
        }
        git(mirror.getParent(), log, List.of("clone", "--mirror", "--quiet", "--", url, partial.toString()));
        try {
            Files.move(partial, mirror, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + partial + " to " + mirror, e);
        }
    }

    /** The URL of a remote of an existing checkout ({@code git remote get-url <remote>}), for adopting it. */
    public String remoteUrl(Path workdir, String remote, StepLog log) {
        return git(workdir, log, List.of("remote", "get-url", "--", validateRef(remote)))
                .output()
                .strip();
    }

    /**
     * Makes {@code dir} (which must not exist) a checkout of commit {@code sha} from the mirror:
     * {@code git worktree add --detach <dir> <sha>} run in the mirror. The checkout shares the mirror's objects (a
     * {@code .git} file points back to it), so it costs the working files only.
     */
    public void addWorktree(Path mirror, Path dir, String sha, StepLog log) {
        requireSha(sha);
        git(mirror, log, List.of("worktree", "add", "--detach", "--quiet", dir.toString(), sha));
    }

    /** The tags that point at a commit, sorted by name ({@code git tag --points-at <sha>}). */
    public List<String> tagsAt(Path repository, String sha, StepLog log) {
        requireSha(sha);
        return Arrays.stream(git(repository, log, List.of("tag", "--points-at", sha))
                        .output()
                        .split("\n"))
                .map(String::strip)
                .filter(tag -> !tag.isEmpty())
                .sorted()
                .toList();
    }

    /**
     * The git blob id of the file at {@code path} in commit {@code sha} ({@code git rev-parse --verify --quiet
     * <sha>:<path>}); empty when the commit has no such file.
     */
    public Optional<String> blobAt(Path repository, String sha, String path, StepLog log) {
        requireSha(sha);
        CommandResult result = runner.run(
                command(repository, List.of("rev-parse", "--verify", "--quiet", "--end-of-options", sha + ":" + path)),
                log);
        String blob = result.output().strip();
        return result.succeeded() && SHA.matcher(blob).matches() ? Optional.of(blob) : Optional.empty();
    }

    /**
     * The text of the file at {@code path} in commit {@code sha} ({@code git cat-file blob} of {@link #blobAt}), for
     * checks a plan makes before the release exists; redacted and capped like any command output (meant for small
     * files); empty when the commit has no such file.
     */
    public Optional<String> fileAt(Path repository, String sha, String path, StepLog log) {
        Optional<String> blob = blobAt(repository, sha, path, log);
        if (blob.isEmpty()) {
            return Optional.empty();
        }
        CommandResult result = runner.run(command(repository, List.of("cat-file", "blob", blob.get())), log);
        return result.succeeded() ? Optional.of(result.output()) : Optional.empty();
    }

    /** Whether {@code repository} exists and holds commit {@code sha} ({@code git cat-file -e <sha>^{commit}}). */
    public boolean hasCommit(Path repository, String sha, StepLog log) {
        requireSha(sha);
        if (!Files.isRegularFile(repository.resolve("HEAD"))) {
            return false;
        }
        return runner.run(command(repository, List.of("cat-file", "-e", sha + "^{commit}")), log)
                .succeeded();
    }

    /** Forgets worktrees whose directory was deleted ({@code git worktree prune}); harmless when there are none. */
    public void pruneWorktrees(Path mirror, StepLog log) {
        git(mirror, log, List.of("worktree", "prune"));
    }

    private static void requireSha(String sha) {
        if (sha == null || !SHA.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a 40-hex commit SHA: " + sha);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
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
     * The tracked files changed in a checkout since the platform built it ({@code git status --porcelain
     * --untracked-files=no}, the work tree against the index): edits made by hand in a serving release. Files the
     * install and build create (untracked, ignored or not: a repository need not ignore {@code dist}) are never
     * reported, nor tracked files the build rewrote (a committed {@code dist}), which {@link #stageTrackedChanges}
     * put into the release's index. Empty when nothing was changed.
     */
    public List<String> changedTrackedFiles(Path checkout, StepLog log) {
        String output = git(checkout, log, List.of("status", "--porcelain", "--untracked-files=no"))
                .output();
        return Arrays.stream(output.split("\n"))
                .filter(line -> line.length() > 3 && line.charAt(1) != ' ')
                .map(line -> line.substring(3))
                .toList();
    }

    /**
     * Records in a release's index the tracked files under {@code dir} that the install and build changed ({@code git
     * add --update -- <dir>}, run in the release's checkout; the index of a worktree lives in the mirror, not in the
     * release's directory), so that {@link #changedTrackedFiles} tells them from later edits by hand.
     *
     * @param dir the component's directory, relative to the checkout's root ({@code .} for all of it)
     */
    public void stageTrackedChanges(Path checkout, String dir, StepLog log) {
        git(checkout, log, List.of("add", "--update", "--", dir));
    }

    /**
     * The files under {@code dir} whose build output {@link #stageTrackedChanges} recorded in a checkout's index
     * ({@code git diff --cached --name-only -- <dir>}), paths from the checkout's root.
     */
    public List<String> stagedFiles(Path checkout, String dir, StepLog log) {
        String output = git(checkout, log, List.of("diff", "--cached", "--name-only", "--", dir))
                .output();
        return Arrays.stream(output.split("\n"))
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList();
    }

    /** {@code git add --update -- <files>} in a checkout: records these tracked files as they are now. */
    public void stage(Path checkout, List<String> files, StepLog log) {
        if (files.isEmpty()) {
            return;
        }
        for (int from = 0; from < files.size(); from += 500) { // within the command line's length limit
            List<String> args = new ArrayList<>(List.of("add", "--update", "--"));
            args.addAll(files.subList(from, Math.min(files.size(), from + 500)));
            git(checkout, log, args);
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
        requireSha(sha);
        return command(workdir, List.of("checkout", "--detach", "--force", sha));
    }

    /** The subject line of a commit ({@code git log -1 --format=%s <sha>}). */
    public String subject(Path workdir, String sha, StepLog log) {
        return git(workdir, log, List.of("log", "-1", "--format=%s", sha, "--"))
                .output()
                .strip();
    }

    /**
     * How many commits are in {@code to} but not in {@code from} ({@code git rev-list --count from..to}); all of
     * {@code to}'s history when {@code from} is null.
     */
    public int countBetween(Path workdir, String from, String to, StepLog log) {
        String range = from == null ? to : from + ".." + to;
        return Integer.parseInt(git(workdir, log, List.of("rev-list", "--count", range, "--"))
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

    /**
     * A branch or tag: its short name, kind ({@code branch} or {@code tag}), the commit it names (an annotated tag's
     * commit, not the tag object), that commit's subject and the ref's date (an annotated tag's, else its commit's),
     * ISO-8601.
     */
    public record RefInfo(String name, String kind, String commit, String subject, String date) {}

    /**
     * The branches and tags of a repository, newest first, at most {@code limit}
     * ({@code git for-each-ref --sort=-creatordate refs/heads refs/tags}); reads only.
     */
    public List<RefInfo> refs(Path repository, int limit, StepLog log) {
        String format = "%(refname)%1f%(objectname)%1f%(*objectname)%1f%(creatordate:iso-strict)%1f"
                + "%(contents:subject)%1f%(*contents:subject)";
        String output = git(
                        repository,
                        log,
                        List.of(
                                "for-each-ref",
                                "--sort=-creatordate",
                                "--count=" + limit,
                                "--format=" + format,
                                "refs/heads",
                                "refs/tags"))
                .output();
        return Arrays.stream(output.split("\n"))
                .map(line -> line.split("\u001f", -1))
                .filter(f -> f.length == 6)
                .map(f -> {
                    boolean tag = f[0].startsWith("refs/tags/");
                    boolean annotated = !f[2].isEmpty();
                    return new RefInfo(
                            f[0].substring(tag ? "refs/tags/".length() : "refs/heads/".length()),
                            tag ? "tag" : "branch",
                            annotated ? f[2] : f[1],
                            annotated ? f[5] : f[4],
                            f[3]);
                })
                .toList();
    }
}

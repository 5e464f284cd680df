package dev.runbook.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * Release directories of a {@link ReleaseLayout}: prepared from the platform's mirror (a checkout of one commit,
 * {@link ReleaseMetadata} written last), shared files linked in, listed with their disk use, discarded and pruned.
 * Nothing here touches the serving release's files: a new release is made beside it, and only the switch
 * ({@link ReleaseLayout#switchTo}) makes it serve.
 */
@Component
public class ReleaseDirectories {

    private static final String META_DIR = ".runbook";
    private static final String META = "release.json";

    private final GitClient git;
    private final ObjectMapper json;

    public ReleaseDirectories(GitClient git, ObjectMapper json) {
        this.git = git;
        this.json = json;
    }

    /**
     * The URL of the target's git remote: {@code remote} itself when it is a URL ({@code scheme://…} or
     * {@code host:path}), an absolute path when it is a local path (it holds '/'),
     * otherwise the URL of the remote of that name in the in-place checkout {@code workdir} being adopted.
     *
     * @throws StepFailedException {@code PRECONDITION_FAILED} when {@code remote} is a name and there is no
     *                             {@code workdir} checkout to read it from
     */
    public String remoteUrl(String targetName, Target target, StepLog log) {
        String remote = target.remote();
        if (remote.contains("://") || remote.matches("[^/]+:.*")) {
            return remote; // https://…, ssh://…, git@host:path
        }
        if (remote.contains("/")) {
            return Path.of(remote).toAbsolutePath().normalize().toString(); // a local path, as git clone reads it
        }
        if (target.workdir() == null || !Files.exists(target.workdir().resolve(".git"))) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "runbook.targets." + targetName + ".remote is the name '" + remote + "' but there is no "
                            + "workdir checkout to read its URL from: set remote to the repository's URL");
        }
        return git.remoteUrl(target.workdir(), remote, log);
    }

    /**
     * The commit of the in-place checkout ({@code workdir}) a target is adopted from, before its first release: what
     * serves then. Empty when there is no such checkout.
     */
    public Optional<String> adoptedCommit(Target target, StepLog log) {
        if (target.workdir() == null || !Files.exists(target.workdir().resolve(".git"))) {
            return Optional.empty();
        }
        return Optional.of(git.head(target.workdir(), log));
    }

    /** Creates or fetches the platform's mirror of the remote ({@link GitClient#mirror}). */
    public void updateMirror(ReleaseLayout layout, String url, StepLog log) {
        git.mirror(layout.repository(), url, log);
    }

    /**
     * Makes release directory {@code wanted.id()}: a checkout of {@code wanted.commit()} from the mirror, then its
     * metadata. Idempotent: a finished directory of the same commit is kept; an unfinished one (no metadata: a crash
     * half-way) is removed and made again.
     *
     * @throws IllegalStateException when a finished release of that id holds another commit
     */
    public ReleaseMetadata prepare(ReleaseLayout layout, ReleaseMetadata wanted, StepLog log) {
        Optional<ReleaseMetadata> existing = metadata(layout, wanted.id());
        if (existing.isPresent()) {
            if (!existing.get().commit().equals(wanted.commit())) {
                throw new IllegalStateException("release " + wanted.id() + " exists and holds commit "
                        + existing.get().commit() + ", not " + wanted.commit());
            }
            log.line("release directory " + layout.release(wanted.id()) + " is ready (prepared before)");
            return existing.get();
        }
        Path dir = layout.release(wanted.id());
        try {
            FileTrees.delete(dir);
            Files.createDirectories(layout.releases());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        git.pruneWorktrees(layout.repository(), log);
        git.addWorktree(layout.repository(), dir, wanted.commit(), log);
        write(layout, wanted);
        log.line("release directory " + dir + " holds commit " + wanted.commit());
        return wanted;
    }

    /**
     * Links a component's {@code shared} entries into release {@code id}: {@code <component dir>/<entry>} becomes a
     * symbolic link to {@code shared/<component>/<entry>} (a file or folder the repository has there is replaced).
     * A missing shared entry is seeded from the release's own copy when it has one; otherwise an entry that names a
     * folder (no '.' in it, such as {@code logs} or {@code uploads}, or ending with '/') is created empty, and a
     * missing file (such as {@code .env}) stops the deploy before anything changed.
     *
     * @throws StepFailedException {@code PRECONDITION_FAILED} for a missing shared file or an entry that leaves the
     *                             component directory
     */
    public void linkShared(
            ReleaseLayout layout, String id, String componentName, ComponentSpec component, StepLog log) {
        Path componentDir = layout.componentDir(id, component);
        for (String entry : component.shared()) {
            String name = sharedEntry(componentName, entry);
            Path inRelease = componentDir.resolve(name);
            Path inShared = layout.shared().resolve(componentName).resolve(name);
            try {
                if (!Files.exists(inShared, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(inShared.getParent());
                    if (Files.exists(inRelease, LinkOption.NOFOLLOW_LINKS)) {
                        FileTrees.copy(inRelease, inShared);
                        log.line("shared " + inShared + " seeded from the release's own copy");
                    } else if (entry.endsWith("/") || !name.contains(".")) {
                        Files.createDirectories(inShared);
                        log.line("shared folder " + inShared + " created");
                    } else {
                        throw new StepFailedException(
                                BpmnErrors.PRECONDITION_FAILED,
                                "shared file " + inShared + " of component " + componentName
                                        + " does not exist: create it (it is linked into every release as "
                                        + component.dir() + "/" + name + ") and request the run again");
                    }
                }
                FileTrees.delete(inRelease);
                Files.createDirectories(inRelease.getParent());
                Files.createSymbolicLink(inRelease, inShared);
                log.line("linked " + inRelease + " -> " + inShared);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot link shared " + name + " into " + componentDir, e);
            }
        }
    }

    /** A {@code shared} entry as a normalized relative path inside the component; rejects absolute paths and '..'. */
    static String sharedEntry(String componentName, String entry) {
        String trimmed = entry == null ? "" : entry.strip();
        Path path = Path.of(trimmed).normalize();
        if (trimmed.isEmpty()
                || path.isAbsolute()
                || path.toString().isEmpty()
                || path.startsWith("..")
                || ".".equals(path.toString())) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "runbook.targets.<t>.components." + componentName + ".shared: '" + entry
                            + "' must be a path inside the component directory, such as .env or logs");
        }
        return path.toString();
    }

    /**
     * Removes release {@code id}'s directory (a release that failed before it served, or an unfinished one) and its
     * worktree entry in the mirror. Never the serving release.
     *
     * @throws IllegalStateException when {@code id} is the serving release
     */
    public void discard(ReleaseLayout layout, String id, StepLog log) {
        if (layout.currentId().filter(id::equals).isPresent()) {
            throw new IllegalStateException("release " + id + " serves: it is never discarded");
        }
        Path dir = layout.release(id);
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
        if (Files.isDirectory(layout.repository())) {
            git.pruneWorktrees(layout.repository(), log);
        }
        log.line("release directory " + dir + " removed");
    }

    /**
     * Pins release {@code id} against retention ({@code <root>/.runbook/pins/<id>}, outside the release, which never
     * changes once it served): what the {@code backup} runbook does for users who script it.
     */
    public void pin(ReleaseLayout layout, String id, StepLog log) {
        layout.release(id);
        Path pin = pins(layout).resolve(id);
        try {
            Files.createDirectories(pin.getParent());
            if (!Files.exists(pin)) {
                Files.createFile(pin);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + pin, e);
        }
        log.line("release " + id + " pinned: retention keeps it until " + pin + " is removed");
    }

    /** The pinned release ids. */
    public Set<String> pinned(ReleaseLayout layout) {
        if (!Files.isDirectory(pins(layout))) {
            return Set.of();
        }
        try (Stream<Path> pins = Files.list(pins(layout))) {
            return pins.map(pin -> pin.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + pins(layout), e);
        }
    }

    private static Path pins(ReleaseLayout layout) {
        return layout.root().resolve(".runbook").resolve("pins");
    }

    /** The metadata of release {@code id}, when its directory is finished. */
    public Optional<ReleaseMetadata> metadata(ReleaseLayout layout, String id) {
        if (id == null || !ReleaseLayout.ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path file = layout.release(id).resolve(META_DIR).resolve(META);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            ReleaseMetadata read = json.readValue(file.toFile(), ReleaseMetadata.class);
            return id.equals(read.id()) ? Optional.of(read) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Finished releases, newest first. */
    public List<ReleaseMetadata> all(ReleaseLayout layout) {
        return ids(layout).stream()
                .map(id -> metadata(layout, id))
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing(ReleaseMetadata::createdAt)
                        .thenComparing(ReleaseMetadata::id)
                        .reversed())
                .toList();
    }

    /**
     * The finished releases, newest first, with their tags (from the mirror), disk use counted once per inode (see
     * {@link ReleaseSummary#sizeBytes}) and which one serves.
     */
    public List<ReleaseSummary> list(ReleaseLayout layout, StepLog log) {
        List<ReleaseMetadata> newestFirst = all(layout);
        Map<String, Long> sizes = sizes(layout, reversed(newestFirst));
        String current = layout.currentId().orElse(null);
        boolean mirror = Files.isRegularFile(layout.repository().resolve("HEAD"));
        return newestFirst.stream()
                .map(release -> new ReleaseSummary(
                        release.id(),
                        release.commit(),
                        mirror ? git.tagsAt(layout.repository(), release.commit(), log) : List.of(),
                        release.createdAt(),
                        release.createdBy(),
                        sizes.get(release.id()),
                        release.id().equals(current)))
                .toList();
    }

    /**
     * Retention: removes unfinished release directories, then keeps the newest {@code keep} finished releases and
     * removes older ones, then, with a {@code maxBytes} budget, removes the oldest until the releases fit. Never the
     * serving release, the one before it, a {@link #pin pinned} one, nor one in {@code protectedIds} (a run refers
     * to it).
     *
     * @return the ids removed, oldest first
     */
    public List<String> prune(
            ReleaseLayout layout, int keep, DataSize maxBytes, Set<String> protectedIds, StepLog log) {
        Set<String> spared = new HashSet<>(protectedIds);
        spared.addAll(pinned(layout));
        List<ReleaseMetadata> newestFirst = all(layout);
        Optional<String> current = layout.currentId();
        current.ifPresent(spared::add);
        current.ifPresent(id -> previous(newestFirst, id).ifPresent(spared::add));
        List<String> removed = new ArrayList<>();
        for (String id : ids(layout)) {
            if (metadata(layout, id).isEmpty() && !spared.contains(id)) {
                discard(layout, id, log);
                removed.add(id);
            }
        }
        List<ReleaseMetadata> kept = new ArrayList<>(newestFirst);
        for (ReleaseMetadata release : newestFirst.subList(Math.min(keep, newestFirst.size()), newestFirst.size())) {
            if (!spared.contains(release.id())) {
                discard(layout, release.id(), log);
                removed.add(release.id());
                kept.remove(release);
            }
        }
        if (maxBytes != null) {
            List<ReleaseMetadata> oldestFirst = reversed(kept);
            Map<String, Long> sizes = sizes(layout, oldestFirst);
            long total = sizes.values().stream().mapToLong(Long::longValue).sum();
            for (ReleaseMetadata release : List.copyOf(oldestFirst)) {
                if (total <= maxBytes.toBytes()) {
                    break;
                }
                if (!spared.contains(release.id())) {
                    discard(layout, release.id(), log);
                    removed.add(release.id());
                    oldestFirst.remove(release);
                    sizes = sizes(layout, oldestFirst);
                    total = sizes.values().stream().mapToLong(Long::longValue).sum();
                }
            }
            if (total > maxBytes.toBytes()) {
                log.line("releases use " + total + " bytes, above releases.max-bytes " + maxBytes.toBytes()
                        + ": only releases that serve, served last or a run refers to are left");
            }
        }
        if (!removed.isEmpty()) {
            log.line("retention (keep " + keep + (maxBytes == null ? "" : ", max " + maxBytes.toBytes() + " bytes")
                    + "): removed releases " + removed);
        }
        return removed;
    }

    /** The newest finished release older than {@code currentId}: where a switch back would go. */
    public static Optional<String> previous(List<ReleaseMetadata> newestFirst, String currentId) {
        for (int i = 0; i < newestFirst.size() - 1; i++) {
            if (newestFirst.get(i).id().equals(currentId)) {
                return Optional.of(newestFirst.get(i + 1).id());
            }
        }
        return Optional.empty();
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    private static List<String> ids(ReleaseLayout layout) {
        if (!Files.isDirectory(layout.releases())) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(layout.releases())) {
            return dirs.filter(dir -> Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
                    .map(dir -> dir.getFileName().toString())
                    .filter(id -> ReleaseLayout.ID.matcher(id).matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + layout.releases(), e);
        }
    }

    /** Bytes per release, each inode counted once, in the first (oldest) release of the list that holds it. */
    private static Map<String, Long> sizes(ReleaseLayout layout, List<ReleaseMetadata> oldestFirst) {
        Set<Object> seen = new HashSet<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (ReleaseMetadata release : oldestFirst) {
            long[] bytes = {0};
            try {
                Files.walkFileTree(layout.release(release.id()), new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        Object key = attrs.fileKey() != null ? attrs.fileKey() : file;
                        if (attrs.isRegularFile() && seen.add(key)) {
                            bytes[0] += attrs.size();
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot measure release " + release.id(), e);
            }
            sizes.put(release.id(), bytes[0]);
        }
        return sizes;
    }

    private void write(ReleaseLayout layout, ReleaseMetadata metadata) {
        Path dir = layout.release(metadata.id()).resolve(META_DIR);
        Path partial = dir.resolve(META + ".partial");
        try {
            Files.createDirectories(dir);
            json.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), metadata);
            Files.move(partial, dir.resolve(META), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(META), e);
        }
    }
}

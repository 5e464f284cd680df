package dev.runbook.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * Release backups on disk: a snapshot of a target's current release (HEAD commit, each component's artifact folders
 * such as {@code dist} and {@code node_modules}, the PM2 process list) under
 * {@code <data-dir>/releases/<target>/<id>/} with a {@code manifest.json}; restoring artifacts from one; listing;
 * retention. A snapshot is written to {@code <id>.partial} and renamed when complete, so a crash or a full disk never
 * leaves a half backup that looks whole.
 */
@Component
public class ReleaseBackupStore {

    /** Backup ids: letters, digits, '_' and '-' only (no path separators, no '..'). */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final DateTimeFormatter ID_FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneId.systemDefault());
    private static final String MANIFEST = "manifest.json";

    private final Path root;
    private final ObjectMapper json;

    public ReleaseBackupStore(DataDir dataDir, ObjectMapper json) {
        this.root = dataDir.releases();
        this.json = json;
    }

    /**
     * Takes a snapshot of the given components' artifacts.
     *
     * @throws StepFailedException {@code BACKUP_FAILED} when the data dir cannot take it (full, not writable);
     *                             nothing is left behind then
     */
    public ReleaseManifest create(
            String targetName,
            Target target,
            Map<String, ComponentSpec> components,
            String commit,
            Map<String, String> pm2,
            String createdBy,
            String runId,
            StepLog log) {
        Path targetDir = root.resolve(targetName);
        String id;
        try {
            id = reserveId(targetDir);
        } catch (IOException e) {
            throw new StepFailedException(
                    BpmnErrors.BACKUP_FAILED,
                    "cannot write release backup to " + targetDir + " ("
                            + e.getClass().getSimpleName() + ": " + e.getMessage() + "); nothing was changed");
        }
        Path partial = targetDir.resolve(id + ".partial");
        try {
            Map<String, List<String>> copied = new LinkedHashMap<>();
            long size = 0;
            for (Map.Entry<String, ComponentSpec> entry : components.entrySet()) {
                List<String> present = new ArrayList<>();
                for (String artifact : entry.getValue().artifacts()) {
                    Path source = componentDir(target, entry.getValue()).resolve(artifact);
                    if (Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                        Path destination = partial.resolve(entry.getKey()).resolve(artifact);
                        Files.createDirectories(destination.getParent());
                        size += linked(entry.getValue(), artifact)
                                ? FileTrees.link(source, destination, null)
                                : FileTrees.copy(source, destination);
                        present.add(artifact);
                    }
                }
                copied.put(entry.getKey(), present);
                log.line("backed up " + entry.getKey() + ": " + (present.isEmpty() ? "no artifacts yet" : present));
            }
            ReleaseManifest manifest =
                    new ReleaseManifest(id, targetName, commit, Instant.now(), createdBy, runId, copied, pm2, size);
            json.writerWithDefaultPrettyPrinter()
                    .writeValue(partial.resolve(MANIFEST).toFile(), manifest);
            Files.move(partial, targetDir.resolve(id), StandardCopyOption.ATOMIC_MOVE);
            log.line("release backup " + id + " of commit " + commit + " written (" + size + " bytes)");
            return manifest;
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new StepFailedException(
                    BpmnErrors.BACKUP_FAILED,
                    "cannot write release backup to " + partial + " ("
                            + e.getClass().getSimpleName() + ": " + e.getMessage() + "); nothing was changed");
        }
    }

    /**
     * A new id ({@code yyyyMMdd_HHmmss}, then {@code _2}, {@code _3} ... within one second), reserved by creating its
     * {@code .partial} directory atomically, so concurrent backups of one target never share a directory.
     */
    private static String reserveId(Path targetDir) throws IOException {
        Files.createDirectories(targetDir);
        String base = ID_FORMAT.format(Instant.now());
        for (int n = 1; ; n++) {
            String id = n == 1 ? base : base + "_" + n;
            if (Files.exists(targetDir.resolve(id))) {
                continue;
            }
            try {
                Files.createDirectory(targetDir.resolve(id + ".partial"));
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                continue;
            }
            if (!Files.exists(targetDir.resolve(id))) {
                return id;
            }
            Files.delete(targetDir.resolve(id + ".partial"));
        }
    }

    /**
     * Whether the backup and the restore share the artifact's files with the work dir through hard links instead of
     * copying them: only {@code node_modules} of a component installed with {@code npm ci}, which deletes the whole
     * {@code node_modules} folder before it installs, so the files a backup shares are unlinked from the work dir,
     * never rewritten. Other artifacts are copied: a build such as {@code tsc} rewrites {@code dist} files in place,
     * which would change a shared file in the backup too.
     */
    static boolean linked(ComponentSpec component, String artifact) {
        List<String> install = component.install();
        return "node_modules".equals(artifact)
                && install.size() >= 2
                && "npm".equals(Path.of(install.get(0)).getFileName().toString())
                && "ci".equals(install.get(1));
    }

    /**
     * Puts the backup's artifacts back in place for the given components: each artifact folder is replaced by the
     * backup's copy (hard links to the backup's files for a {@link #linked} artifact, copies otherwise), or removed
     * when the backup had none. Idempotent; a retry after a crash finishes the job.
     *
     * @throws UncheckedIOException when the files cannot be put back, or a file the backup shares with the work dir
     *                              was modified after the backup was taken (its old content is gone): nothing half
     *                              restored is left in place of the artifact then
     */
    public void restoreArtifacts(
            String targetName, Target target, Map<String, ComponentSpec> components, String backupId, StepLog log) {
        ReleaseManifest manifest = find(targetName, backupId)
                .orElseThrow(() -> new IllegalStateException(
                        "release backup " + backupId + " of target " + targetName + " is missing"));
        Path backupDir = root.resolve(targetName).resolve(backupId);
        try {
            for (Map.Entry<String, ComponentSpec> entry : components.entrySet()) {
                List<String> saved = manifest.artifacts().getOrDefault(entry.getKey(), List.of());
                for (String artifact : entry.getValue().artifacts()) {
                    Path live = componentDir(target, entry.getValue()).resolve(artifact);
                    replace(
                            live,
                            saved.contains(artifact)
                                    ? backupDir.resolve(entry.getKey()).resolve(artifact)
                                    : null,
                            linked(entry.getValue(), artifact),
                            manifest.createdAt());
                    log.line("restored " + entry.getKey() + "/" + artifact + " from release backup " + backupId
                            + (saved.contains(artifact) ? "" : " (absent in the backup: removed)"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore artifacts from release backup " + backupId, e);
        }
    }

    private static void replace(Path live, Path source, boolean link, Instant takenAt) throws IOException {
        Path incoming = live.resolveSibling(live.getFileName() + ".runbook-new");
        Path outgoing = live.resolveSibling(live.getFileName() + ".runbook-old");
        FileTrees.delete(incoming);
        FileTrees.delete(outgoing);
        if (source != null && link) {
            FileTrees.link(source, incoming, takenAt);
        } else if (source != null) {
            FileTrees.copy(source, incoming);
        }
        if (Files.exists(live, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(live, outgoing, StandardCopyOption.ATOMIC_MOVE);
        }
        if (source != null) {
            Files.move(incoming, live, StandardCopyOption.ATOMIC_MOVE);
        }
        FileTrees.delete(outgoing);
    }

    /** The backup's manifest, when the id is valid and the backup complete. */
    public Optional<ReleaseManifest> find(String targetName, String backupId) {
        if (backupId == null || !ID.matcher(backupId).matches()) {
            return Optional.empty();
        }
        Path manifest = root.resolve(targetName).resolve(backupId).resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return Optional.empty();
        }
        try {
            ReleaseManifest read = json.readValue(manifest.toFile(), ReleaseManifest.class);
            return read.target().equals(targetName) && read.id().equals(backupId)
                    ? Optional.of(read)
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Complete backups of the target, newest first. */
    public List<ReleaseManifest> list(String targetName) {
        Path targetDir = root.resolve(targetName);
        if (!Files.isDirectory(targetDir)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(targetDir)) {
            return dirs.map(dir -> find(targetName, dir.getFileName().toString()))
                    .flatMap(Optional::stream)
                    .sorted(Comparator.comparing(ReleaseManifest::createdAt).reversed())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list release backups of " + targetName, e);
        }
    }

    /**
     * Keeps the newest {@code keep} backups of the target and any in {@code inUse}; deletes the rest.
     *
     * @return the ids deleted
     */
    public List<String> applyRetention(String targetName, int keep, Set<String> inUse, StepLog log) {
        List<String> deleted = new ArrayList<>();
        List<ReleaseManifest> all = list(targetName);
        for (ReleaseManifest manifest : all.subList(Math.min(keep, all.size()), all.size())) {
            if (!inUse.contains(manifest.id())) {
                deleteQuietly(root.resolve(targetName).resolve(manifest.id()));
                deleted.add(manifest.id());
            }
        }
        if (!deleted.isEmpty()) {
            log.line("retention (keep " + keep + "): deleted release backups " + deleted);
        }
        return deleted;
    }

    /** The artifacts a backup holds, for plans: {@code backend (backend: dist, node_modules), frontend (...)}. */
    public static String describeArtifacts(Map<String, ComponentSpec> components) {
        return components.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue().dir() + ": "
                        + String.join(", ", e.getValue().artifacts()) + ")")
                .collect(Collectors.joining(", "));
    }

    /** Absolute directory of a component inside the target's work dir. */
    public static Path componentDir(Target target, ComponentSpec component) {
        return target.workdir().resolve(component.dir()).normalize();
    }

    private static void deleteQuietly(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException ignored) {
            // best effort: a leftover .partial is never listed
        }
    }
}

package dev.runbook.npm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.release.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Whether a new release may reuse the serving release's {@code node_modules} instead of installing: only when the
 * lock file, the Node.js and npm versions and the install command are all the same as when the serving release was
 * installed ({@link Fingerprint}, recorded beside each release). Reuse hard-links the files (no bytes copied), except
 * the folders tools write caches into ({@link #COPIED}), which are copied. A build that rewrote a hard-linked file in
 * place would change the serving release's file too; {@link #requireUnchanged} finds that before the switch.
 */
@Component
public class Dependencies {

    /** Folders under node_modules that builds write into (babel-loader, webpack, vite, eslint, tsc caches): copied. */
    static final Set<String> COPIED = Set.of(".cache", ".vite", ".vite-temp", ".tmp", ".angular", ".eslintcache");

    private static final String NODE_MODULES = "node_modules";

    private final CommandRunner runner;
    private final RunbookProperties.Tools tools;
    private final ObjectMapper json;
    private final GitClient git;

    public Dependencies(CommandRunner runner, RunbookProperties properties, ObjectMapper json, GitClient git) {
        this.runner = runner;
        this.tools = properties.tools();
        this.json = json;
        this.git = git;
    }

    /** The git blob id of a lock file in a commit of the mirror, for plans made before the release exists. */
    public Optional<String> blobAt(Path repository, String commit, String path) {
        return git.blobAt(repository, commit, path, StepLog.NONE);
    }

    /**
     * What a component's installed dependencies depend on.
     *
     * @param lockFile   {@code package-lock.json} or {@code npm-shrinkwrap.json}, null when there is none
     * @param lockBlob   the lock file's git blob id ({@code git hash-object}: SHA-1 of "blob <size>\0" and the bytes),
     *                   so that a plan can read it from the mirror ({@code git rev-parse <commit>:<path>}) without
     *                   the file; null when there is none
     * @param node       {@code node --version}
     * @param npm        {@code npm --version}
     * @param install    the install command as configured
     * @param manifest   digest of package.json's dependency fields ({@link #MANIFEST_FIELDS}); null without one.
     *                   {@code npm ci} refuses a lock file out of sync with them, so a change here means install
     */
    public record Fingerprint(
            String lockFile, String lockBlob, String node, String npm, List<String> install, String manifest) {}

    /** The package.json fields that decide what {@code npm ci} installs. */
    static final List<String> MANIFEST_FIELDS = List.of(
            "dependencies",
            "devDependencies",
            "optionalDependencies",
            "peerDependencies",
            "bundleDependencies",
            "bundledDependencies",
            "overrides",
            "workspaces");

    /** Reuse or install, and why, in words for the step log and the approval plan. */
    public record Decision(boolean reuse, String reason) {}

    /** The fingerprint of a component directory as it is now (its lock file, this host's node and npm). */
    /** Lock file names, in the order npm prefers them. */
    public static final List<String> LOCK_FILES = List.of("npm-shrinkwrap.json", "package-lock.json");

    public Fingerprint fingerprint(Path componentDir, ComponentSpec component, StepLog log) {
        String manifest = manifestDigest(componentDir.resolve("package.json"));
        for (String name : LOCK_FILES) {
            Path file = componentDir.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    return fingerprintOfBlob(name, blobId(Files.readAllBytes(file)), manifest, component, log);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                }
            }
        }
        return fingerprintOfBlob(null, null, manifest, component, log);
    }

    /**
     * The fingerprint for a lock file known by its git blob id (read from the mirror for a plan) and a package.json
     * dependency digest ({@link #manifestDigest}).
     */
    public Fingerprint fingerprintOfBlob(
            String lockFile, String blobId, String manifest, ComponentSpec component, StepLog log) {
        return new Fingerprint(
                lockFile, blobId, version("node", log), version(tools.npm(), log), component.install(), manifest);
    }

    /** Digest of a package.json's {@link #MANIFEST_FIELDS}, null when the file is missing or unreadable. */
    public String manifestDigest(Path packageJson) {
        if (!Files.isRegularFile(packageJson)) {
            return null;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode tree = json.readTree(packageJson.toFile());
            StringBuilder fields = new StringBuilder();
            for (String field : MANIFEST_FIELDS) {
                fields.append(field).append('=').append(tree.path(field)).append('\n');
            }
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(fields.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reuse when the serving release recorded a fingerprint equal to {@code wanted} and still has its
     * {@code node_modules}; install otherwise. The reason names the first difference.
     *
     * @param servingDir the component's directory in the serving release, null when nothing serves yet
     * @param record     the serving release's recorded fingerprint, empty when it has none
     */
    public Decision decide(Path servingDir, Optional<Fingerprint> record, Fingerprint wanted) {
        if (servingDir == null) {
            return new Decision(false, "no release serves yet");
        }
        if (record.isEmpty()) {
            return new Decision(false, "the serving release has no record of how its dependencies were installed");
        }
        Fingerprint had = record.get();
        if (wanted.lockBlob() == null) {
            return new Decision(false, "there is no lock file to compare");
        }
        if (!wanted.lockBlob().equals(had.lockBlob())) {
            return new Decision(false, wanted.lockFile() + " changed");
        }
        if (wanted.manifest() == null || !wanted.manifest().equals(had.manifest())) {
            return new Decision(false, "the dependencies in package.json changed");
        }
        if (!wanted.node().equals(had.node())) {
            return new Decision(false, "Node.js changed (" + had.node() + " -> " + wanted.node() + ")");
        }
        if (!wanted.npm().equals(had.npm())) {
            return new Decision(false, "npm changed (" + had.npm() + " -> " + wanted.npm() + ")");
        }
        if (!wanted.install().equals(had.install())) {
            return new Decision(false, "the install command changed");
        }
        if (!Files.isDirectory(servingDir.resolve(NODE_MODULES), LinkOption.NOFOLLOW_LINKS)) {
            return new Decision(false, "the serving release has no node_modules");
        }
        return new Decision(
                true,
                wanted.lockFile() + ", package.json's dependencies, Node.js " + wanted.node() + ", npm "
                        + wanted.npm() + " and '"
                        + String.join(" ", wanted.install()) + "' are unchanged");
    }

    /**
     * Hard-links {@code from/node_modules} into {@code to/node_modules} (which must not exist), copying the
     * {@link #COPIED} cache folders.
     *
     * @return when the links were made: a shared file modified after that was written in place
     */
    public Instant link(Path from, Path to, StepLog log) {
        Instant linkedAt = Instant.now();
        Path source = from.resolve(NODE_MODULES);
        Path target = to.resolve(NODE_MODULES);
        try {
            Files.createDirectories(target);
            long bytes = 0;
            try (var entries = Files.list(source)) {
                for (Path entry : entries.toList()) {
                    Path destination = target.resolve(entry.getFileName().toString());
                    bytes += COPIED.contains(entry.getFileName().toString())
                            ? FileTrees.copy(entry, destination)
                            : FileTrees.link(entry, destination, null);
                }
            }
            log.line("node_modules hard-linked from " + source + " (" + bytes
                    + " bytes shared, none copied but caches)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link " + source + " into " + target, e);
        }
        return linkedAt;
    }

    /**
     * Checks that no file {@code componentDir/node_modules} shares with another release (link count above 1) was
     * modified after {@code linkedAt}. A build or script that wrote in place into a shared file changed the serving
     * release's copy too (one inode): this cannot be undone here (the old bytes are gone), so the message says which
     * serving files changed and how to repair (a deploy that installs afresh).
     *
     * @param servingDir the component's directory in the release the files were linked from
     * @throws StepFailedException {@code COMMAND_FAILED} naming up to five such files, here and in the serving
     *                             release; the new release must not serve
     */
    public void requireUnchanged(Path componentDir, Instant linkedAt, Path servingDir) {
        List<String> changed = new ArrayList<>();
        Path root = componentDir.resolve(NODE_MODULES);
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile()
                            && attrs.lastModifiedTime().toInstant().isAfter(linkedAt)
                            && (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) {
                        changed.add(root.relativize(file).toString());
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + root, e);
        }
        if (!changed.isEmpty()) {
            List<String> shown = changed.subList(0, Math.min(5, changed.size()));
            String more = changed.size() > 5 ? " and " + (changed.size() - 5) + " more" : "";
            throw new StepFailedException(
                    BpmnErrors.COMMAND_FAILED,
                    "the build wrote in place into node_modules files hard-linked with the serving release: "
                            + String.join(", ", shown) + more + ". A hard-linked file is one file: the serving "
                            + "release's copies changed too ("
                            + String.join(
                                    ", ",
                                    shown.stream()
                                            .map(file -> servingDir
                                                    .resolve(NODE_MODULES)
                                                    .resolve(file)
                                                    .toString())
                                            .toList())
                            + more + ", and those of older releases linked from the same install); its apps keep "
                            + "what they loaded, but a restart or a rollback to such a release loads the changed "
                            + "files. The new release will not serve. Repair: deploy a good release now; this "
                            + "component's dependencies are installed afresh, never linked, from now on (see "
                            + "docs/runbooks.md, Dependencies)");
        }
    }

    /** The fingerprint recorded in {@code file}, when there is one. */
    public Optional<Fingerprint> recorded(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(file.toFile(), Fingerprint.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records a fingerprint in {@code file} (written beside and renamed, never in place). */
    public void record(Path file, Fingerprint fingerprint) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            Files.createDirectories(file.getParent());
            json.writeValue(partial.toFile(), fingerprint);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private String version(String program, StepLog log) {
        String output = runner.runChecked(
                        new Command(List.of(program, "--version"), Path.of("."), Map.of(), Duration.ofSeconds(30))
                                .withoutOutputLog(),
                        log)
                .output()
                .strip();
        String[] lines = output.split("\n");
        return lines[lines.length - 1].strip();
    }

    /** The git blob id of a file, null when it cannot be read. */
    static String blobIdOf(Path file) {
        try {
            return blobId(Files.readAllBytes(file));
        } catch (IOException e) {
            return null;
        }
    }

    /** The git blob id of a file's bytes, as {@code git hash-object} computes it. */
    static String blobId(byte[] content) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + content.length + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha1.digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

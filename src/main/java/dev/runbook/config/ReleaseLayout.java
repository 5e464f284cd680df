package dev.runbook.config;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The release layout under one target root (DESIGN.md, "Release layout"), Capistrano's:
 *
 * <pre>
 * &lt;root&gt;/releases/&lt;id&gt;/   one checkout of one commit, built there; never changed once it served
 * &lt;root&gt;/current            symbolic link to releases/&lt;id&gt;, the serving release; switched atomically
 * &lt;root&gt;/shared/&lt;component&gt;/  files that outlive releases (.env, logs, uploads), linked into each release
 * &lt;root&gt;/repo               the platform's bare mirror of the git remote; releases are checked out from it
 * </pre>
 *
 * PM2 apps run from {@code current/<component dir>}; {@link #switchTo} replaces {@code current} with one
 * {@code rename(2)}, so a reader sees the old release or the new one, never neither.
 */
public record ReleaseLayout(Path root) {

    /** Release ids: letters, digits, '_' and '-' (no separators, no '..'), as backup ids before them. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

    public ReleaseLayout {
        root = root.toAbsolutePath().normalize();
    }

    /** A release id for a release of {@code sha} made at {@code time}: {@code yyyyMMdd_HHmmss_<sha7>} (UTC). */
    public static String newId(Instant time, String sha) {
        return ID_TIME.format(time) + "_" + sha.substring(0, Math.min(7, sha.length()));
    }

    public Path releases() {
        return root.resolve("releases");
    }

    /**
     * The directory of release {@code id}.
     *
     * @throws IllegalArgumentException when the id is not a release id (a path, '..', blank)
     */
    public Path release(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid release id '" + id + "': letters, digits, '_' and '-' only");
        }
        return releases().resolve(id);
    }

    /** The {@code current} symbolic link. */
    public Path current() {
        return root.resolve("current");
    }

    /** Files that outlive releases: {@code shared/<component>/}. */
    public Path shared() {
        return root.resolve("shared");
    }

    /** The platform's bare mirror of the remote. */
    public Path repository() {
        return root.resolve("repo");
    }

    /** A component's directory inside release {@code id}. */
    public Path componentDir(String id, ComponentSpec component) {
        return release(id).resolve(component.dir()).normalize();
    }

    /** The ecosystem file of a component through {@code current}, as PM2 is given it. */
    public Path servingEcosystem(ComponentSpec component) {
        return current().resolve(component.ecosystem()).normalize();
    }

    /** Where the dependency fingerprint of a component of release {@code id} is recorded. */
    public Path dependencyRecord(String id, String componentName) {
        return release(id).resolve(".runbook").resolve("dependencies-" + componentName + ".json");
    }

    /**
     * A component's directory through {@code current} (not resolved): what PM2 must be given as the app's working
     * directory, so that a reload after a switch runs the new release's files.
     */
    public Path servingDir(ComponentSpec component) {
        return current().resolve(component.dir()).normalize();
    }

    /**
     * The id of the serving release: the last name of the {@code current} link's target; empty when there is no
     * {@code current} yet (or it is not a link into {@code releases/}).
     */
    public Optional<String> currentId() {
        Path link = current();
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        try {
            Path target = Files.readSymbolicLink(link);
            Path resolved = link.resolveSibling(target).normalize();
            if (!resolved.getParent().equals(releases())) {
                return Optional.empty();
            }
            return Optional.of(resolved.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + link, e);
        }
    }

    /**
     * Points {@code current} at release {@code id}: a new relative link {@code current.<id>.tmp} is renamed over
     * {@code current} ({@code rename(2)} is atomic on one file system). Switching to the serving release changes
     * nothing, so a retried switch is harmless.
     *
     * @return the id that served before, empty when none did
     * @throws IllegalStateException when the release directory does not exist, or {@code current} exists and is not a
     *                               link (an in-place checkout: adopt it first, see docs/operations.md)
     */
    public Optional<String> switchTo(String id) {
        Path dir = release(id);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("release " + id + " does not exist under " + releases());
        }
        Path link = current();
        if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(link)) {
            throw new IllegalStateException(link + " exists and is not a symbolic link: the platform switches only a "
                    + "'current' link it manages; move it away (see docs/operations.md, adopting a server)");
        }
        Optional<String> previous = currentId();
        if (previous.filter(id::equals).isPresent()) {
            return previous;
        }
        Path temporary = root.resolve("current." + id + ".tmp");
        try {
            Files.deleteIfExists(temporary);
            Files.createSymbolicLink(temporary, root.relativize(dir));
            Files.move(temporary, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot switch " + link + " to " + dir, e);
        }
        return previous;
    }
}

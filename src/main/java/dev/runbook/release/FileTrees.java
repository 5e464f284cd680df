package dev.runbook.release;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Copying, hard-linking and deleting directory trees; symbolic links are kept as links
 * (node_modules/.bin).
 */
public final class FileTrees {

    private FileTrees() {}

    /**
     * Makes {@code target} (which must not exist) a tree of the same directories and symbolic links as {@code source}
     * whose regular files are hard links to the source's files ({@link Files#createLink}): no bytes are copied, the
     * two trees share the files' contents. Where a link cannot be made (another file system, a link count limit, a
     * file system without hard links) the file is copied instead. Safe only for trees that are replaced, never
     * edited in place, while they are shared: writing into a shared file changes it under both names.
     *
     * @param notModifiedAfter when not null, a shared source file (link count above 1) modified after this instant
     *                         stops the link with an {@link IOException} naming it: it was written in place since
     *                         the backup was taken, so the backup no longer holds the old content
     * @return the bytes of the regular files under {@code source}
     */
    public static long link(Path source, Path target, Instant notModifiedAfter) throws IOException {
        return replicate(source, target, true, notModifiedAfter);
    }

    /**
     * Copies {@code source} (a directory or file) to {@code target}, which must not exist.
     *
     * @return the bytes of the regular files copied
     */
    public static long copy(Path source, Path target) throws IOException {
        return replicate(source, target, false, null);
    }

    /** Walks {@code source} into {@code target}: directories made, regular files linked (or copied), the rest copied. */
    private static long replicate(Path source, Path target, boolean link, Instant notModifiedAfter) throws IOException {
        boolean[] linking = {link};
        long[] bytes = {0};
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path to = target.resolve(source.relativize(file).toString());
                if (!attrs.isRegularFile()) {
                    Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    return FileVisitResult.CONTINUE;
                }
                if (notModifiedAfter != null
                        && attrs.lastModifiedTime().toInstant().isAfter(notModifiedAfter)
                        && (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) {
                    throw new IOException(file + " was modified at " + attrs.lastModifiedTime() + ", after the "
                            + "backup was taken (" + notModifiedAfter + "), through another hard link to it");
                }
                bytes[0] += attrs.size();
                if (linking[0]) {
                    try {
                        Files.createLink(to, file);
                        return FileVisitResult.CONTINUE;
                    } catch (IOException | UnsupportedOperationException e) {
                        linking[0] = false; // another file system or no hard links: copy from here on
                    }
                }
                Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
        return bytes[0];
    }

    /** Deletes {@code root} and everything under it, without following links; nothing when it does not exist. */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(root);
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}

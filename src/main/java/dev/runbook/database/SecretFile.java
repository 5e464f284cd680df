package dev.runbook.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file only the platform's user can read ({@code 0600}, created with that mode, in a {@code 0700} directory),
 * holding a secret a tool reads (mongodump's {@code --config}, libpq's {@code PGPASSFILE}); deleted on close.
 */
final class SecretFile implements AutoCloseable {

    private final Path dir;
    private final Path file;

    private SecretFile(Path dir, Path file) {
        this.dir = dir;
        this.file = file;
    }

    /** Writes {@code content} (UTF-8) to a new secret file named {@code name} under {@code parent}. */
    static SecretFile write(Path parent, String name, String content) {
        try {
            Files.createDirectories(parent);
            Path dir = Files.createTempDirectory(
                    parent,
                    "secret-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = Files.createFile(
                    dir.resolve(name),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.setPosixFilePermissions(file, Set.copyOf(PosixFilePermissions.fromString("rw-------")));
            return new SecretFile(dir, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a credentials file under " + parent, e);
        }
    }

    Path path() {
        return file;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete credentials file " + file, e);
        }
    }
}

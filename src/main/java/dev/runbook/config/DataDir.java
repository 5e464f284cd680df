package dev.runbook.config;

import java.nio.file.Path;
import org.springframework.stereotype.Component;

/**
 * The platform's data directory ({@code runbook.data-dir}), absolute and normalized, and the folders under it:
 * {@code releases/} (release backups), {@code db-backups/} (database dumps, paths kept relative in the catalogue),
 * {@code runs/} (step logs, see {@code StepLog}) and {@code tmp/} (short-lived files such as a dump tool's password
 * file).
 */
@Component
public class DataDir {

    private final Path root;

    public DataDir(RunbookProperties properties) {
        this.root = properties.dataDir().toAbsolutePath().normalize();
    }

    /** The data directory itself. */
    public Path root() {
        return root;
    }

    /** Release backups: {@code releases/<target>/<backupId>/}. */
    public Path releases() {
        return root.resolve("releases");
    }

    /** Short-lived files that carry secrets (removed after use). */
    public Path tmp() {
        return root.resolve("tmp");
    }

    /** A file named by a path relative to the data dir, as the database backup catalogue stores it. */
    public Path resolve(String relative) {
        return root.resolve(relative);
    }

    @Override
    public String toString() {
        return root.toString();
    }
}

package dev.runbook.metrics;

import java.time.Instant;
import java.util.Optional;

/**
 * Where the database backup work plugs in: a bean implementing this makes {@link PlatformMetrics} publish
 * {@code runbook.db.backup.age} (seconds since the newest good database backup) for each target with a database.
 * Without such a bean that gauge is not published.
 */
public interface DbBackupAgeSource {

    /** When the newest verified database backup of {@code target} was taken; empty when it has none. */
    Optional<Instant> newestGoodBackup(String target);
}

package dev.runbook.database;

import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.StepLog;
import dev.runbook.exec.ToolMissingException;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Taking, checking and restoring database backups of a target, with the catalogue kept in step: dump (tool exit
 * code, counts from its output), verify (archive present, not trivially small, readable format, not empty, sha256),
 * find-and-verify before a restore (sha256 against the catalogue), restore, and the check of the restored counts.
 */
@Component
class DbBackups {

    /** Smallest archive taken for a real dump; anything smaller is a failed dump. */
    static final long MIN_ARCHIVE_BYTES = 64;

    private final DatabaseTargets databases;
    private final DbBackupCatalogue catalogue;

    DbBackups(DatabaseTargets databases, DbBackupCatalogue catalogue) {
        this.databases = databases;
        this.catalogue = catalogue;
    }

    /**
     * Dumps {@code database} (null: the target's own) into a new catalogue entry and records the counts the tool
     * reported. The entry stays {@code RUNNING} until {@link #verify}.
     *
     * @throws StepFailedException {@code BACKUP_FAILED} when the tool is missing, exits non-zero or times out; the
     *                             entry is then {@code FAILED} and no archive is left
     */
    DbBackup dump(
            String target, String scheduleClass, String database, String by, String runId, String note, StepLog log) {
        DatabaseTargets.Db db = databases.get(target);
        String name = database == null ? db.uri().database() : database;
        DbBackup backup = catalogue.create(target, scheduleClass, name, by, runId, note);
        Path archive = catalogue.file(backup);
        try {
            Files.createDirectories(archive.getParent());
            if (!name.equals(db.uri().database())) {
                db.client().ensureDatabase(db.uri().withDatabase(name), log);
            }
            catalogue.recordCounts(backup, db.client().dump(db.uri().withDatabase(name), archive, log));
            log.line("dumped " + db.kind() + " database " + name + " of " + target + " as backup " + backup.getId());
            return backup;
        } catch (ToolMissingException e) {
            throw failed(backup, "the " + db.kind() + " dump tool cannot be started: " + e.getMessage());
        } catch (CommandFailedException e) {
            throw failed(backup, "the dump failed: " + e.getMessage());
        } catch (IOException e) {
            throw failed(backup, "cannot write " + archive + ": " + e.getMessage());
        }
    }

    /**
     * Verifies a fresh dump and completes its catalogue entry: the archive exists, has the tool's format, holds at
     * least one collection or table (unless {@code allowEmpty}, for a safety backup of a database that may be new)
     * and then is at least {@value #MIN_ARCHIVE_BYTES} bytes; then size and sha256, status {@code OK}.
     *
     * @throws StepFailedException {@code BACKUP_FAILED}; the entry is then {@code FAILED} and the archive deleted
     */
    DbBackup verify(String target, String backupId, boolean allowEmpty, StepLog log) {
        DbBackup backup = catalogue
                .find(target, backupId)
                .orElseThrow(() -> new IllegalStateException(
                        "database backup " + backupId + " of " + target + " is not in the catalogue"));
        DatabaseTargets.Db db = databases.get(backup.getTarget());
        Path archive = catalogue.file(backup);
        try {
            if (!Files.isRegularFile(archive)) {
                throw failed(backup, "the dump left no archive at " + archive);
            }
            long size = Files.size(archive);
            Map<String, Long> counts = catalogue.counts(backup);
            if (counts.isEmpty() && !allowEmpty) {
                throw failed(
                        backup,
                        "empty dump: database " + backup.getDatabaseName() + " of " + backup.getTarget()
                                + " has no collections or tables (wrong database name in the URI?)");
            }
            if (size < MIN_ARCHIVE_BYTES && !counts.isEmpty()) {
                throw failed(backup, "archive " + archive + " is only " + size + " bytes: not a real dump");
            }
            db.client().checkFormat(archive);
            backup.verified(size, sha256(archive));
            catalogue.save(backup);
            log.line("backup " + backup.getId() + " verified: " + size + " bytes, sha256 " + backup.getSha256()
                    + ", counts " + counts);
            return backup;
        } catch (StepFailedException e) {
            if (!DbBackup.FAILED.equals(backup.getStatus())) {
                throw failed(backup, e.getMessage());
            }
            throw e;
        } catch (IOException e) {
            throw failed(backup, "cannot read " + archive + ": " + e.getMessage());
        }
    }

    /** {@link #dump} and {@link #verify} in one step, for the backups runbooks take on their way (safety, deploy). */
    DbBackup backUp(
            String target,
            String scheduleClass,
            String database,
            String by,
            String runId,
            String note,
            boolean allowEmpty,
            StepLog log) {
        return verify(
                target,
                dump(target, scheduleClass, database, by, runId, note, log).getId(),
                allowEmpty,
                log);
    }

    /**
     * The backup, checked before it is restored: catalogued for this target with status {@code OK}, its archive
     * present and its sha256 equal to the catalogue's.
     *
     * @throws StepFailedException {@code BACKUP_INVALID}; a damaged archive also marks the entry {@code CORRUPT}
     */
    DbBackup requireIntact(String target, String backupId, StepLog log) {
        DbBackup backup = catalogue
                .find(target, backupId)
                .orElseThrow(() -> new StepFailedException(
                        BpmnErrors.BACKUP_INVALID, "target " + target + " has no database backup '" + backupId + "'"));
        if (!DbBackup.OK.equals(backup.getStatus())) {
            throw new StepFailedException(
                    BpmnErrors.BACKUP_INVALID,
                    "database backup " + backupId + " is " + backup.getStatus() + ", not a good backup");
        }
        Path archive = catalogue.file(backup);
        String actual = Files.isRegularFile(archive) ? sha256(archive) : "missing";
        if (!actual.equals(backup.getSha256())) {
            String reason = "archive " + archive + " does not match the catalogue: sha256 " + actual + ", expected "
                    + backup.getSha256();
            catalogue.markBad(backup, DbBackup.CORRUPT, reason);
            throw new StepFailedException(
                    BpmnErrors.BACKUP_INVALID, "database backup " + backupId + " is damaged: " + reason);
        }
        log.line("backup " + backupId + " intact: sha256 " + actual);
        return backup;
    }

    /**
     * Restores a backup into {@code database} (null: the target's own) and returns what the database holds after it.
     *
     * @throws CommandFailedException when the restore tool exits non-zero
     */
    Map<String, Long> restore(DbBackup backup, String database, StepLog log) {
        DatabaseTargets.Db db = databases.get(backup.getTarget());
        String into = database == null ? db.uri().database() : database;
        DatabaseUri uri = db.uri().withDatabase(into);
        if (!into.equals(db.uri().database())) {
            db.client().ensureDatabase(uri, log);
        }
        return db.client()
                .restore(
                        uri,
                        catalogue.file(backup),
                        backup.getDatabaseName(),
                        catalogue.counts(backup).keySet(),
                        log);
    }

    /**
     * Compares restored counts with the catalogue's.
     *
     * @throws StepFailedException {@code VERIFICATION_FAILED} naming every collection or table that differs
     */
    void checkCounts(DbBackup backup, Map<String, Long> restored, StepLog log) {
        List<String> differences = new ArrayList<>();
        catalogue.counts(backup).forEach((name, expected) -> {
            Long actual = restored.get(name);
            if (!expected.equals(actual)) {
                differences.add(name + ": " + (actual == null ? "not restored" : actual) + " instead of " + expected);
            }
        });
        if (!differences.isEmpty()) {
            throw new StepFailedException(
                    BpmnErrors.VERIFICATION_FAILED,
                    "restored database does not match backup " + backup.getId() + ": "
                            + String.join("; ", differences));
        }
        log.line("restored counts match backup " + backup.getId() + ": " + restored);
    }

    /** Restores a backup into {@code database} and checks the counts: the undo of a restore or a migration. */
    void restoreAndCheck(String target, String backupId, String database, StepLog log) {
        DbBackup backup = requireIntact(target, backupId, log);
        checkCounts(backup, restore(backup, database, log), log);
    }

    private StepFailedException failed(DbBackup backup, String reason) {
        catalogue.markBad(backup, DbBackup.FAILED, reason);
        return new StepFailedException(
                BpmnErrors.BACKUP_FAILED,
                "database backup " + backup.getId() + " of " + backup.getTarget() + " failed: " + reason);
    }

    /** Hex SHA-256 of a file's bytes. */
    static String sha256(Path file) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

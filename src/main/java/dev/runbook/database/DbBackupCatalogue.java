package dev.runbook.database;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.DataDir;
import dev.runbook.exec.StepLog;
import dev.runbook.metrics.DbBackupAgeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The database backup catalogue (table {@code db_backup}) and the archive files it names
 * ({@code <data-dir>/db-backups/<target>/<id><suffix>}): new entries, status changes, listing, and retention per
 * schedule class. As {@link DbBackupAgeSource} it feeds the {@code runbook.db.backup.age} gauge.
 */
@Component
public class DbBackupCatalogue implements DbBackupAgeSource {

    /** Backup ids: letters, digits, '_' and '-' only (no path separators, no '..'). */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final DateTimeFormatter ID_FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneId.systemDefault());
    private static final TypeReference<LinkedHashMap<String, Long>> COUNTS = new TypeReference<>() {};

    private final DbBackupRepository backups;
    private final DatabaseTargets databases;
    private final ObjectMapper json;
    private final DataDir dataDir;

    DbBackupCatalogue(DbBackupRepository backups, DatabaseTargets databases, ObjectMapper json, DataDir dataDir) {
        this.backups = backups;
        this.databases = databases;
        this.json = json;
        this.dataDir = dataDir;
    }

    /** A new {@code RUNNING} entry for a dump of {@code database} of the target, with a fresh id and file name. */
    DbBackup create(String target, String scheduleClass, String database, String by, String runId, String note) {
        DatabaseTargets.Db db = databases.get(target);
        String base = ID_FORMAT.format(Instant.now()) + "_" + scheduleClass;
        String id = base;
        for (int n = 2; backups.existsById(id); n++) {
            id = base + "_" + n;
        }
        String file = "db-backups/" + target + "/" + id + db.client().suffix();
        return backups.save(
                new DbBackup(id, target, db.kind(), scheduleClass, database, file, Instant.now(), by, runId, note));
    }

    DbBackup save(DbBackup backup) {
        return backups.save(backup);
    }

    /** The archive file of a backup. */
    Path file(DbBackup backup) {
        return dataDir.resolve(backup.getFile());
    }

    /** The backup of that id of that target, when the id is valid and catalogued. */
    public Optional<DbBackup> find(String target, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return backups.findById(id).filter(backup -> backup.getTarget().equals(target));
    }

    /** Catalogued backups of the target, newest first, without those retention deleted. */
    public List<DbBackup> list(String target) {
        return backups.findByTargetOrderByCreatedAtDesc(target).stream()
                .filter(backup -> !DbBackup.DELETED.equals(backup.getStatus()))
                .toList();
    }

    /** The newest good ({@code OK}) backup of the target created after {@code after}. */
    Optional<DbBackup> newestGoodSince(String target, Instant after) {
        return backups.findFirstByTargetAndStatusAndCreatedAtAfterOrderByCreatedAtDesc(target, DbBackup.OK, after);
    }

    /** When the newest good ({@code OK}) backup of the target was taken; empty when it has none. */
    @Override
    public Optional<Instant> newestGoodBackup(String target) {
        return newestGoodSince(target, Instant.EPOCH).map(DbBackup::getCreatedAt);
    }

    /** Counts per collection or table recorded for a backup (empty when none were recorded). */
    public Map<String, Long> counts(DbBackup backup) {
        return backup.getCounts() == null ? Map.of() : parseCounts(backup.getCounts());
    }

    void recordCounts(DbBackup backup, Map<String, Long> counts) {
        backup.setCounts(toJson(counts));
        backups.save(backup);
    }

    /** Counts as a JSON object ({@code {"orders":42}}), for the catalogue and the {@code restoredCounts} variable. */
    String toJson(Map<String, Long> counts) {
        try {
            return json.writeValueAsString(counts);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Map<String, Long> parseCounts(String text) {
        try {
            return json.readValue(text, COUNTS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable counts: " + e.getOriginalMessage(), e);
        }
    }

    /** Marks a backup {@code FAILED} or {@code CORRUPT} with the reason, and deletes its archive. */
    void markBad(DbBackup backup, String status, String reason) {
        backup.setStatus(status, reason);
        backups.save(backup);
        try {
            Files.deleteIfExists(file(backup));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete archive of backup " + backup.getId(), e);
        }
    }

    /**
     * Retention: per schedule class, the newest {@code backups.db-keep.<class>} good backups stay; older ones lose
     * their archive and become {@code DELETED}, except the target's newest good backup and any backup in
     * {@code inUse} (a running restore or deploy needs it).
     *
     * @return ids deleted
     */
    public List<String> applyRetention(String target, Set<String> inUse, StepLog log) {
        List<DbBackup> good = backups.findByTargetAndStatusOrderByCreatedAtDesc(target, DbBackup.OK);
        String newest = good.isEmpty() ? null : good.get(0).getId();
        List<String> deleted = new ArrayList<>();
        for (String scheduleClass : DatabaseTargets.CLASSES) {
            int keep = databases.keep(target, scheduleClass);
            List<DbBackup> ofClass = good.stream()
                    .filter(b -> scheduleClass.equals(b.getScheduleClass()))
                    .toList();
            for (DbBackup old : ofClass.subList(Math.min(keep, ofClass.size()), ofClass.size())) {
                if (old.getId().equals(newest) || inUse.contains(old.getId())) {
                    log.line("retention keeps " + old.getId()
                            + (inUse.contains(old.getId()) ? " (in use by a run)" : " (newest good backup)"));
                    continue;
                }
                markBad(old, DbBackup.DELETED, "deleted by retention (" + scheduleClass + ": keep " + keep + ")");
                deleted.add(old.getId());
                log.line("retention deleted " + scheduleClass + " backup " + old.getId());
            }
        }
        return deleted;
    }
}

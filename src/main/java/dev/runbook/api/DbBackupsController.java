package dev.runbook.api;

import dev.runbook.api.ProblemHandler.ConflictException;
import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.config.TargetRegistry;
import dev.runbook.database.DatabaseTargets;
import dev.runbook.database.DbBackup;
import dev.runbook.database.DbBackupCatalogue;
import dev.runbook.database.DbBackupSchedules;
import dev.runbook.process.ProcessVariables;
import dev.runbook.run.RunLauncher;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Database backups of a target: the catalogue ({@code GET .../db-backups}), a manual backup ({@code POST
 * .../db-backups}, starts {@code db-backup}), a restore ({@code POST .../db-restores}, starts {@code db-restore},
 * which always waits for an approval) and the backup schedules ({@code GET .../db-backup-schedules}). 404 for an
 * unknown target, a target without a database, or an unknown backup.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Database backups")
@Validated
@ApiResponse(responseCode = "401", description = "not signed in")
@ApiResponse(responseCode = "404", description = "unknown target, or the target has no database")
class DbBackupsController {

    private final TargetRegistry targets;
    private final DatabaseTargets databases;
    private final DbBackupCatalogue catalogue;
    private final RunLauncher launcher;

    DbBackupsController(
            TargetRegistry targets, DatabaseTargets databases, DbBackupCatalogue catalogue, RunLauncher launcher) {
        this.targets = targets;
        this.databases = databases;
        this.catalogue = catalogue;
        this.launcher = launcher;
    }

    /**
     * A database backup in the catalogue.
     *
     * @param id            backup id, for a restore
     * @param kind          {@code mongodb} or {@code postgresql}
     * @param scheduleClass {@code manual}, {@code daily}, {@code weekly} or {@code monthly}
     * @param database      the database dumped
     * @param sizeBytes     archive size in bytes (null until verified)
     * @param sha256        archive checksum (null until verified)
     * @param counts        documents or rows per collection or table, as the dump tool reported them
     * @param created       when the dump started
     * @param by            who asked for it, or {@code schedule}
     * @param runId         the run that took it
     * @param status        {@code RUNNING}, {@code OK}, {@code FAILED} or {@code CORRUPT}
     * @param note          why it failed, or what it was taken for
     */
    record DbBackupView(
            String id,
            String kind,
            String scheduleClass,
            String database,
            Long sizeBytes,
            String sha256,
            Map<String, Long> counts,
            Instant created,
            String by,
            String runId,
            String status,
            String note) {}

    /** {@code backupId}: a backup of this target; {@code intoDatabase}: another database to restore into. */
    record RestoreRequest(
            @Size(max = 64) String backupId, @Size(max = 63) String intoDatabase) {}

    /** A schedule class with its cron (Quartz form, or {@code off}) and its next three fire times. */
    record ScheduleView(String scheduleClass, String cron, boolean enabled, List<Instant> nextFireTimes) {}

    @Operation(summary = "Database backups of a target, newest first (retention-deleted ones left out)")
    @GetMapping("/api/targets/{target}/db-backups")
    List<DbBackupView> list(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        requireDatabase(target);
        return catalogue.list(target).stream()
                .map(backup -> new DbBackupView(
                        backup.getId(),
                        backup.getKind(),
                        backup.getScheduleClass(),
                        backup.getDatabaseName(),
                        backup.getSizeBytes(),
                        backup.getSha256(),
                        catalogue.counts(backup),
                        backup.getCreatedAt(),
                        backup.getCreatedBy(),
                        backup.getRunId(),
                        backup.getStatus(),
                        backup.getNote()))
                .toList();
    }

    @Operation(summary = "Take a database backup now (mongodump or pg_dump, verify, checksum, catalogue, retention)")
    @ApiResponse(responseCode = "202", description = "run started")
    @PostMapping("/api/targets/{target}/db-backups")
    ResponseEntity<RunbooksController.RunStarted> backup(
            @PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        requireDatabase(target);
        return started(
                "db-backup",
                target,
                launcher.start(
                        "db-backup", target, "db-backup manual", Map.of(ProcessVariables.SCHEDULE_CLASS, "manual")));
    }

    @Operation(
            summary = "Restore a database backup (verify, approval always, safety backup, restore, verify; "
                    + "reverted to the safety backup when the restore or its check fails)")
    @ApiResponse(responseCode = "202", description = "run started; it waits for an approval")
    @ApiResponse(responseCode = "400", description = "missing or malformed backupId, malformed intoDatabase")
    @ApiResponse(
            responseCode = "409",
            description =
                    "the backup is not a good one, or another changing run holds " + "the target (runId in the body)")
    @PostMapping("/api/targets/{target}/db-restores")
    ResponseEntity<RunbooksController.RunStarted> restore(
            @PathVariable @Pattern(regexp = RunbooksController.TARGET) String target,
            @RequestBody RestoreRequest request) {
        requireDatabase(target);
        String id = request.backupId();
        if (id == null || !DbBackupCatalogue.ID.matcher(id).matches()) {
            throw new IllegalArgumentException("backupId is required: letters, digits, '_' and '-' only");
        }
        String into = request.intoDatabase();
        if (into != null && !into.matches("[A-Za-z0-9_-]{1,63}")) {
            throw new IllegalArgumentException("invalid intoDatabase '" + into + "': letters, digits, '_' and '-'");
        }
        DbBackup backup = catalogue
                .find(target, id)
                .orElseThrow(
                        () -> new NotFoundException("target '" + target + "' has no database backup '" + id + "'"));
        if (!DbBackup.OK.equals(backup.getStatus())) {
            throw new ConflictException("database backup '" + id + "' is " + backup.getStatus()
                    + "; only a good (OK) backup can be restored");
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.DB_BACKUP_ID, backup.getId());
        if (into != null) {
            variables.put(ProcessVariables.INTO_DATABASE, into);
        }
        return started(
                "db-restore",
                target,
                launcher.start(
                        "db-restore",
                        target,
                        "db-restore " + backup.getId() + (into == null ? "" : " into " + into),
                        variables));
    }

    @Operation(summary = "Database backup schedules of a target: class, cron and the next three fire times")
    @GetMapping("/api/targets/{target}/db-backup-schedules")
    List<ScheduleView> schedules(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        requireDatabase(target);
        Instant now = Instant.now();
        return databases.schedule(target).entrySet().stream()
                .map(entry -> {
                    boolean enabled = !DbBackupSchedules.OFF.equals(entry.getValue());
                    return new ScheduleView(
                            entry.getKey(),
                            entry.getValue(),
                            enabled,
                            enabled ? DbBackupSchedules.fireTimes(entry.getValue(), now, 3) : List.of());
                })
                .toList();
    }

    private void requireDatabase(String target) {
        targets.get(target);
        if (!databases.has(target)) {
            throw new NotFoundException("target '" + target + "' has no database configured");
        }
    }

    private static ResponseEntity<RunbooksController.RunStarted> started(
            String processKey, String target, String runId) {
        return ResponseEntity.accepted()
                .location(URI.create("/api/runs/" + runId))
                .body(new RunbooksController.RunStarted(runId, processKey, target));
    }
}

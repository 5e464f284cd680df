package dev.runbook.database;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One database backup in the catalogue (table {@code db_backup}): which target and database, schedule class
 * ({@code manual}, {@code daily}, {@code weekly}, {@code monthly}), archive file (relative to the data dir), size,
 * sha256, per-collection or per-table counts (JSON object), who or which schedule took it, and its status.
 */
@Entity
@Table(name = "db_backup")
public class DbBackup {

    public static final String RUNNING = "RUNNING";
    public static final String OK = "OK";
    public static final String FAILED = "FAILED";
    public static final String CORRUPT = "CORRUPT";
    public static final String DELETED = "DELETED";

    @Id
    private String id;

    private String target;
    private String kind;
    private String scheduleClass;
    private String databaseName;
    private String file;
    private Long sizeBytes;

    @Column(name = "sha256")
    private String sha256;

    private String counts;
    private Instant createdAt;
    private String createdBy;
    private String runId;
    private String status;
    private String note;

    protected DbBackup() {}

    DbBackup(
            String id,
            String target,
            String kind,
            String scheduleClass,
            String databaseName,
            String file,
            Instant createdAt,
            String createdBy,
            String runId,
            String note) {
        this.id = id;
        this.target = target;
        this.kind = kind;
        this.scheduleClass = scheduleClass;
        this.databaseName = databaseName;
        this.file = file;
        this.createdAt = createdAt;
        this.createdBy = createdBy;
        this.runId = runId;
        this.note = note;
        this.status = RUNNING;
    }

    public String getId() {
        return id;
    }

    public String getTarget() {
        return target;
    }

    public String getKind() {
        return kind;
    }

    public String getScheduleClass() {
        return scheduleClass;
    }

    public String getDatabaseName() {
        return databaseName;
    }

    public String getFile() {
        return file;
    }

    public Long getSizeBytes() {
        return sizeBytes;
    }

    public String getSha256() {
        return sha256;
    }

    public String getCounts() {
        return counts;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public String getCreatedBy() {
        return createdBy;
    }

    public String getRunId() {
        return runId;
    }

    public String getStatus() {
        return status;
    }

    public String getNote() {
        return note;
    }

    void setCounts(String counts) {
        this.counts = counts;
    }

    void verified(long size, String sha256) {
        this.sizeBytes = size;
        this.sha256 = sha256;
        this.status = OK;
    }

    void setStatus(String status, String note) {
        this.status = status;
        if (note != null) {
            this.note = note.length() > 2000 ? note.substring(0, 1996) + " ..." : note;
        }
    }
}

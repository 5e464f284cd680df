package dev.runbook.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A release the platform deployed (table {@code release_record}): which commit, by which run, who asked, who approved. */
@Entity
@Table(name = "release_record")
public class ReleaseRecord {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String target;

    @Column(name = "commit_sha")
    private String commitSha;

    private String gitRef;
    private String components;
    private String runId;
    private String requestedBy;
    private String approvedBy;
    private String backupId;
    private Instant deployedAt;

    protected ReleaseRecord() {}

    public ReleaseRecord(
            String target,
            String commitSha,
            String gitRef,
            String components,
            String runId,
            String requestedBy,
            String approvedBy,
            String backupId,
            Instant deployedAt) {
        this.target = target;
        this.commitSha = commitSha;
        this.gitRef = gitRef;
        this.components = components;
        this.runId = runId;
        this.requestedBy = requestedBy;
        this.approvedBy = approvedBy;
        this.backupId = backupId;
        this.deployedAt = deployedAt;
    }

    public String getTarget() {
        return target;
    }

    public String getCommitSha() {
        return commitSha;
    }

    public String getGitRef() {
        return gitRef;
    }

    public String getComponents() {
        return components;
    }

    public String getRunId() {
        return runId;
    }

    public String getRequestedBy() {
        return requestedBy;
    }

    public String getApprovedBy() {
        return approvedBy;
    }

    public String getBackupId() {
        return backupId;
    }

    public Instant getDeployedAt() {
        return deployedAt;
    }
}

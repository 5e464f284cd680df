package dev.runbook.api;

import dev.runbook.approval.ReleasePlanner.PlannedStep;
import dev.runbook.git.GitClient.CommitInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An approval waiting for a decision, with everything the run will do once approved.
 *
 * @param taskId            task id, for the decision call
 * @param runId             the run waiting on it
 * @param processKey        process of the run
 * @param name              task name ({@code Approve release} ...)
 * @param target            target name
 * @param gitRef            requested ref (deploy, update)
 * @param components        components the run changes
 * @param fromCommit        SHA serving now
 * @param fromSubject       its subject line
 * @param toCommit          SHA the run deploys (or restores)
 * @param toSubject         its subject line
 * @param commits           commits between them, newest first, at most 50 (sha, subject, author, date); for a
 *                          rollback the commits it takes away
 * @param commitCount       how many commits there are in all
 * @param direction         {@code FORWARD}: the run brings the commits listed; {@code BACKWARD}: it moves back to an
 *                          older commit and takes them away (a rollback, or a deploy of an older ref)
 * @param changedFiles      changed files per component of the target ({@code (other)}: outside every component)
 * @param databaseMigration whether the run migrates the database (a component has {@code migrate}, the target a
 *                          database, and the process runs migrations)
 * @param databaseBackup    whether a database backup is taken before that migration
 * @param releaseBackup     what keeps the serving release safe: its directory is never changed, the new release is
 *                          made beside it and a failure switches back to it
 * @param backupId          the release a rollback switches to (its release id; null for deploy and update)
 * @param plan              the steps after the approval, in order, with the exact commands each runs
 * @param requestedBy       who asked
 * @param claimedBy         who claimed it in Tasklist (null if nobody): any approver may still decide it
 * @param createdAt         when the approval was requested
 * @param deadline          when the request expires unless decided (the task's due date)
 * @param url               the approval in Tasklist ({@code runbook.public-url} based)
 * @param runUrl            the run's page
 * @param dbBackup          db-restore: which database backup is restored into which database (else null)
 * @param promotion         a promotion: the environment the commit passed in, its release and when it was verified
 *                          there (else null)
 */
record ApprovalView(
        String taskId,
        String runId,
        String processKey,
        String name,
        String target,
        String gitRef,
        String components,
        String fromCommit,
        String fromSubject,
        String toCommit,
        String toSubject,
        List<CommitInfo> commits,
        Long commitCount,
        String direction,
        Map<String, Integer> changedFiles,
        Boolean databaseMigration,
        Boolean databaseBackup,
        String releaseBackup,
        String backupId,
        List<PlannedStep> plan,
        String requestedBy,
        String claimedBy,
        Instant createdAt,
        Instant deadline,
        String url,
        String runUrl,
        String dbBackup,
        String promotion) {

    /** What {@code releaseBackup} says (see docs/rest-api.md, "Approvals"). */
    static final String RELEASE_BACKUP_AFTER_APPROVAL =
            "the serving release directory is kept as it is; a failure switches back to it";
}

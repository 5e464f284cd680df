package dev.runbook.release;

import java.time.Instant;

/**
 * What the platform knows of one release directory, kept in {@code releases/<id>/.runbook/release.json}. Written last
 * when the directory is prepared: a release directory without it is unfinished (a crash while preparing) and is
 * discarded, never switched to.
 *
 * @param id        release id (the directory's name)
 * @param commit    40-hex SHA checked out
 * @param ref       the ref that was asked for (branch, tag or SHA)
 * @param createdAt when it was prepared
 * @param createdBy the user whose run prepared it
 * @param runId     that run's process instance id
 */
public record ReleaseMetadata(
        String id, String commit, String ref, Instant createdAt, String createdBy, String runId) {}

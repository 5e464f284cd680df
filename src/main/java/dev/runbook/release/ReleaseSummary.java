package dev.runbook.release;

import java.time.Instant;
import java.util.List;

/**
 * One release directory as {@code GET /api/targets/{t}/releases} lists it.
 *
 * @param id        release id
 * @param commit    40-hex SHA it holds
 * @param tags      tags of the remote that point at that commit
 * @param createdAt when it was prepared
 * @param by        who asked for the run that prepared it
 * @param sizeBytes bytes on disk this release adds: each file counted once per inode, in the oldest release that
 *                  holds it (hard-linked {@code node_modules} shared with an older release cost nothing here), so the
 *                  sizes of all releases add up to the disk they use together
 * @param current   whether {@code current} points at it
 */
public record ReleaseSummary(
        String id, String commit, List<String> tags, Instant createdAt, String by, long sizeBytes, boolean current) {}

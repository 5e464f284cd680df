package dev.runbook.release;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The releases of a target as the platform knows them, wherever its disk is: for a target on the platform's own
 * machine its release directories ({@link ReleaseDirectories}); for a target with hosts, each with its own disk, the
 * release records, which the platform writes once a release passed its health check on every host (each host's steps
 * then check that their disk agrees). What serves, the releases a rollback can return to, newest first, and one of them.
 */
@Component
public class ReleaseHistory {

    private final ReleaseDirectories directories;
    private final ReleaseRecordRepository records;

    ReleaseHistory(ReleaseDirectories directories, ReleaseRecordRepository records) {
        this.directories = directories;
        this.records = records;
    }

    /** The release that serves the target (none before its first release). */
    public Optional<String> serving(String name, Target target) {
        if (target.hosts().isEmpty()) {
            return target.layout().currentId();
        }
        return records.findFirstByTargetOrderByDeployedAtDesc(name).map(ReleaseRecord::getBackupId);
    }

    /**
     * The target's releases, newest first: its finished release directories, or for a target with hosts each release
     * it recorded once (by release id, which starts with its creation time), with the commit and ref of its first
     * record.
     */
    public List<ReleaseMetadata> releases(String name, Target target) {
        if (target.hosts().isEmpty()) {
            return directories.all(target.layout());
        }
        Map<String, ReleaseMetadata> first = new LinkedHashMap<>();
        for (ReleaseRecord record : records.findByTargetOrderByDeployedAtAsc(name)) {
            if (record.getBackupId() != null) {
                first.putIfAbsent(
                        record.getBackupId(),
                        new ReleaseMetadata(
                                record.getBackupId(),
                                record.getCommitSha(),
                                record.getGitRef(),
                                record.getDeployedAt(),
                                record.getRequestedBy(),
                                record.getRunId()));
            }
        }
        return first.values().stream()
                .sorted(Comparator.comparing(ReleaseMetadata::id).reversed())
                .toList();
    }

    /** Release {@code id} of the target, when it has it. */
    public Optional<ReleaseMetadata> release(String name, Target target, String id) {
        if (target.hosts().isEmpty()) {
            return directories.metadata(target.layout(), id);
        }
        return releases(name, target).stream()
                .filter(release -> release.id().equals(id))
                .findFirst();
    }

    /**
     * The releases as the releases API lists them, newest first: for a target with hosts without tags or size (each
     * host's disk is its own: {@code sizeBytes} -1).
     */
    public List<ReleaseSummary> summaries(String name, Target target, StepLog log) {
        if (target.hosts().isEmpty()) {
            return directories.list(target.layout(), log);
        }
        String serving = serving(name, target).orElse(null);
        return releases(name, target).stream()
                .map(release -> new ReleaseSummary(
                        release.id(),
                        release.commit(),
                        List.of(),
                        release.createdAt(),
                        release.createdBy(),
                        -1,
                        release.id().equals(serving)))
                .toList();
    }

    /** The release made before the one that serves: where a rollback with no release named returns to. */
    public Optional<String> previous(String name, Target target) {
        return ReleaseDirectories.previous(
                releases(name, target), serving(name, target).orElse(null));
    }
}

package dev.runbook.database;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

/** The database backup catalogue, newest first per target. */
interface DbBackupRepository extends JpaRepository<DbBackup, String> {

    List<DbBackup> findByTargetOrderByCreatedAtDesc(String target);

    List<DbBackup> findByTargetAndStatusOrderByCreatedAtDesc(String target, String status);

    Optional<DbBackup> findFirstByTargetAndStatusAndCreatedAtAfterOrderByCreatedAtDesc(
            String target, String status, Instant after);
}

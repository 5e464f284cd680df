package dev.runbook.release;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

/** Deployed releases, newest first per target. */
public interface ReleaseRecordRepository extends JpaRepository<ReleaseRecord, Long> {

    Optional<ReleaseRecord> findFirstByTargetOrderByDeployedAtDesc(String target);

    List<ReleaseRecord> findByTargetOrderByDeployedAtAsc(String target);
}

package dev.runbook.audit;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Retention of the audit trail and the login log: every hour, entries older than {@code runbook.audit.retention}
 * are deleted.
 */
@Configuration
@EnableScheduling
class AuditRetention {

    private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);

    private final AuditTrail trail;
    private final LoginLog logins;
    private final AuditProperties properties;

    AuditRetention(AuditTrail trail, LoginLog logins, AuditProperties properties) {
        this.trail = trail;
        this.logins = logins;
        this.properties = properties;
    }

    @Scheduled(cron = "0 7 * * * *")
    void deleteExpired() {
        Instant cutoff = Instant.now().minus(properties.retention());
        int events = trail.deleteOlderThan(cutoff);
        int entries = logins.deleteOlderThan(cutoff);
        if (events + entries > 0) {
            log.info(
                    "retention: deleted {} audit events and {} login log entries older than {}",
                    events,
                    entries,
                    cutoff);
        }
    }
}

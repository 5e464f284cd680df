package dev.runbook.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Redactor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * The audit tables as the migration creates them (H2 in memory): writing with redaction and clipping, filtering
 * and paging newest first, and retention.
 */
class AuditTrailTest {

    private JdbcTemplate jdbc;
    private AuditTrail trail;
    private LoginLog logins;

    @BeforeEach
    void database() {
        DataSource dataSource =
                new DriverManagerDataSource("jdbc:h2:mem:audit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        new ResourceDatabasePopulator(new ClassPathResource("db/migration/V3__audit.sql")).execute(dataSource);
        jdbc = new JdbcTemplate(dataSource);
        trail = new AuditTrail(
                jdbc, new Redactor(new RunbookProperties(Path.of("."), null, null, Map.of()), List.of()));
        logins = new LoginLog(jdbc);
    }

    @Test
    void shouldWriteRedactedClippedEventsAndFindThemNewestFirst() {
        trail.record(AuditAction.START, "alice", "shop", "deploy", "run-1", "gitRef=v1", "STARTED", null);
        trail.record(
                AuditAction.APPROVE,
                "bob",
                "shop",
                "deploy",
                "run-1",
                "task=Task_ApproveRelease",
                "APPROVED",
                "ok, token=abc123 " + "x".repeat(2000));
        trail.record(AuditAction.START, "alice", "blog", "restart", "run-2", null, "STARTED", null);

        AuditPage<AuditEvent> shop = trail.find(new AuditTrail.Filter("shop", null, null, null, null, null), 0, 10);
        assertThat(shop.total()).isEqualTo(2);
        assertThat(shop.items()).extracting(AuditEvent::action).containsExactly("APPROVE", "START");
        AuditEvent approval = shop.items().get(0);
        assertThat(approval.detail()).startsWith("ok, token=****").hasSize(1000).endsWith(" ...");
        assertThat(approval.userId()).isEqualTo("bob");
        assertThat(approval.occurredAt())
                .isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));

        assertThat(trail.find(new AuditTrail.Filter(null, "alice", "START", null, null, null), 1, 1)
                        .items())
                .extracting(AuditEvent::runId)
                .containsExactly("run-1");
        assertThat(trail.find(new AuditTrail.Filter(null, null, null, "run-2", null, null), 0, 10)
                        .total())
                .isEqualTo(1);
        assertThat(trail.find(
                                new AuditTrail.Filter(
                                        null, null, null, null, Instant.now().plusSeconds(60), null),
                                0,
                                10)
                        .total())
                .isZero();
    }

    @Test
    void shouldDeleteEntriesOlderThanTheRetention() {
        trail.record(AuditAction.START, "alice", "shop", "deploy", "old", null, "STARTED", null);
        logins.record("alice", true, "OK", "127.0.0.1", "curl", "api");
        OffsetDateTime longAgo = OffsetDateTime.now(ZoneOffset.UTC).minusDays(401);
        jdbc.update("UPDATE audit_event SET occurred_at = ?", longAgo);
        jdbc.update("UPDATE login_log SET occurred_at = ?", longAgo);
        trail.record(AuditAction.START, "alice", "shop", "deploy", "new", null, "STARTED", null);
        logins.record("bob", false, "BAD_CREDENTIALS", "127.0.0.1", "curl", "api");

        new AuditRetention(trail, logins, new AuditProperties(Duration.ofDays(400), Duration.ofMinutes(30)))
                .deleteExpired();

        assertThat(trail.find(new AuditTrail.Filter(null, null, null, null, null, null), 0, 10)
                        .items())
                .extracting(AuditEvent::runId)
                .containsExactly("new");
        assertThat(logins.find(new LoginLog.Filter(null, null, null, null), 0, 10)
                        .items())
                .extracting(LoginLog.Entry::userId)
                .containsExactly("bob");
    }

    @Test
    void shouldRecordTheInputsOfARunAsSortedRefs() {
        assertThat(RunAuditListener.refs(Map.of(
                        "target",
                        "shop",
                        "requestedBy",
                        "alice",
                        "gitRef",
                        "v2",
                        "components",
                        "all",
                        "big",
                        "x".repeat(300))))
                .isEqualTo("components=all gitRef=v2");
        assertThat(RunAuditListener.refs(Map.of("target", "shop"))).isNull();
    }
}

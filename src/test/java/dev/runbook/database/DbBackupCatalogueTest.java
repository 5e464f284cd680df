package dev.runbook.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Approval;
import dev.runbook.config.RunbookProperties.Backups;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.orm.jpa.DataJpaTest;

/** The catalogue on the platform's schema (Flyway migrations on H2): listing and retention per schedule class. */
@DataJpaTest
class DbBackupCatalogueTest {

    private static final Instant T0 = Instant.parse("2025-01-01T02:00:00Z");

    @TempDir
    Path dataDir;

    @Autowired
    DbBackupRepository repository;

    private DbBackupCatalogue catalogue;
    private final StepLog log = StepLog.NONE;

    @BeforeEach
    void setUp() {
        ComponentSpec backend = new ComponentSpec(
                ".",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "shop-backend",
                "ecosystem.config.js",
                URI.create("http://127.0.0.1:1/"),
                null,
                null);
        Target shop = new Target(
                dataDir,
                "origin",
                "main",
                new Approval(true, Duration.ofHours(1), Approval.DEFAULT_GROUP),
                Map.of(),
                Map.of("backend", backend),
                new Database("postgresql", "postgresql://postgres@127.0.0.1:5432/shop"),
                new Backups(10, Map.of("daily", 2, "monthly", 1), null),
                null,
                null,
                dataDir,
                null,
                null,
                null,
                null);
        RunbookProperties properties = new RunbookProperties(dataDir, null, null, Map.of("shop", shop));
        TargetRegistry registry = new TargetRegistry(properties, List.of());
        DataDir data = new DataDir(properties);
        DatabaseTargets databases = new DatabaseTargets(registry, List.of(new PostgresClient(null, properties, data)));
        catalogue = new DbBackupCatalogue(repository, databases, new ObjectMapper(), data);
    }

    private DbBackup backup(String id, String scheduleClass, int hours, String status) throws Exception {
        DbBackup backup = new DbBackup(
                id,
                "shop",
                "postgresql",
                scheduleClass,
                "shop",
                "db-backups/shop/" + id + ".pgdump",
                T0.plus(Duration.ofHours(hours)),
                "alice",
                "run-" + id,
                null);
        Path file = dataDir.resolve(backup.getFile());
        Files.createDirectories(file.getParent());
        Files.writeString(file, "PGDMP archive of " + id);
        if (DbBackup.OK.equals(status)) {
            backup.verified(Files.size(file), DbBackups.sha256(file));
        } else {
            backup.setStatus(status, "test");
        }
        return repository.save(backup);
    }

    private List<String> listed() {
        return catalogue.list("shop").stream().map(DbBackup::getId).toList();
    }

    @Test
    void shouldKeepTheNewestBackupsOfEachClassAndDeleteOlderArchives() throws Exception {
        DbBackup oldest = backup("d1", "daily", 0, DbBackup.OK);
        backup("d2", "daily", 24, DbBackup.OK);
        backup("d3", "daily", 48, DbBackup.OK);
        backup("d4", "daily", 72, DbBackup.OK);
        backup("w1", "weekly", 1, DbBackup.OK);
        backup("m1", "monthly", 2, DbBackup.OK);
        backup("m2", "monthly", 50, DbBackup.OK);

        List<String> deleted = catalogue.applyRetention("shop", Set.of(), log);

        assertThat(deleted).containsExactlyInAnyOrder("d2", "d1", "m1");
        assertThat(listed()).containsExactly("d4", "m2", "d3", "w1");
        assertThat(dataDir.resolve(oldest.getFile())).doesNotExist();
        assertThat(repository.findById("d1"))
                .get()
                .extracting(DbBackup::getStatus)
                .isEqualTo(DbBackup.DELETED);
        assertThat(dataDir.resolve("db-backups/shop/d3.pgdump")).exists();
    }

    @Test
    void shouldNeverDeleteABackupThatARunningRunUses() throws Exception {
        backup("d1", "daily", 0, DbBackup.OK);
        backup("d2", "daily", 24, DbBackup.OK);
        backup("d3", "daily", 48, DbBackup.OK);
        backup("d4", "daily", 72, DbBackup.OK);

        List<String> deleted = catalogue.applyRetention("shop", Set.of("d1"), log);

        assertThat(deleted).containsExactly("d2");
        assertThat(listed()).containsExactly("d4", "d3", "d1");
    }

    @Test
    void shouldCountOnlyGoodBackupsAndLeaveFailedOnesAsRecords() throws Exception {
        backup("d1", "daily", 0, DbBackup.OK);
        backup("d2", "daily", 24, DbBackup.OK);
        backup("d3", "daily", 48, DbBackup.FAILED);
        backup("d4", "daily", 72, DbBackup.CORRUPT);

        assertThat(catalogue.applyRetention("shop", Set.of(), log)).isEmpty();
        assertThat(listed()).containsExactly("d4", "d3", "d2", "d1");
        assertThat(catalogue.newestGoodSince("shop", T0.plusSeconds(1)))
                .get()
                .extracting(DbBackup::getId)
                .isEqualTo("d2");
        assertThat(catalogue.newestGoodSince("shop", T0.plus(Duration.ofHours(30))))
                .isEmpty();
        assertThat(catalogue.newestGoodBackup("shop")).as("backup age gauge").contains(T0.plus(Duration.ofHours(24)));
    }

    @Test
    void shouldNameNewBackupsByTimeAndClassAndRefuseIdsThatAreNotPlain() {
        DbBackup first = catalogue.create("shop", "manual", "shop", "alice", "run-1", null);
        DbBackup second = catalogue.create("shop", "manual", "shop", "alice", "run-2", null);

        assertThat(first.getId()).matches("\\d{8}_\\d{6}_manual(_\\d+)?");
        assertThat(second.getId()).isNotEqualTo(first.getId());
        assertThat(first.getFile()).isEqualTo("db-backups/shop/" + first.getId() + ".pgdump");
        assertThat(first.getStatus()).isEqualTo(DbBackup.RUNNING);
        assertThat(catalogue.find("shop", "../" + first.getId())).isEmpty();
        assertThat(catalogue.find("other", first.getId())).isEmpty();
        assertThat(catalogue.find("shop", first.getId())).isPresent();
    }
}

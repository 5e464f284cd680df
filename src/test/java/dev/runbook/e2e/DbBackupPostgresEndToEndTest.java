package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import dev.runbook.testsupport.ScratchPostgres;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * db-backup, db-restore and the deploy database steps through the REST API against the real PostgreSQL server and
 * the real pg_dump/pg_restore (a scratch database per class), and a real deploy target (git, npm, PM2, HTTP) whose
 * backend has a migrate command. The target needs no approval for deploys; a restore waits for one all the same.
 * The URI carries a password (trust authentication ignores it) that must never show anywhere.
 */
@PlatformTest
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DbBackupPostgresEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("db-pg-shop-backend");

    static final ScratchPostgres pg = new ScratchPostgres("runbook_e2e");
    static final String PASSWORD = "S3cr@t:pw/x";
    static final String URI = "postgresql://postgres:S3cr%40t%3Apw%2Fx@" + ScratchPostgres.HOST + "/" + pg.name;
    static final String BACKUPS = "/api/targets/shop/db-backups";
    static final String RESTORES = "/api/targets/shop/db-restores";
    static final String MIGRATE =
            "const fs = require('fs'); if (fs.existsSync('migrate.js')) { require('./migrate.js'); }"
                    + " else { console.log('no migrations'); }";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        shop.registerDatabase(registry, "postgresql", URI);
        registry.add("runbook.targets.shop.backups.db-keep.manual", () -> "4");
        registry.add("runbook.targets.shop.components.backend.migrate[0]", () -> "node");
        registry.add("runbook.targets.shop.components.backend.migrate[1]", () -> "-e");
        registry.add("runbook.targets.shop.components.backend.migrate[2]", () -> MIGRATE);
        registry.add("runbook.targets.shop.env.PGHOST", () -> "127.0.0.1");
        registry.add("runbook.targets.shop.env.PGUSER", () -> "postgres");
        registry.add("runbook.targets.shop.env.PGDATABASE", () -> pg.name);
        pg.sql(
                "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 100) g",
                "CREATE TABLE customers (id int PRIMARY KEY)",
                "INSERT INTO customers VALUES (1), (2), (3)",
                "CREATE TABLE schema_migrations (name text)",
                "INSERT INTO schema_migrations VALUES ('initial')");
    }

    @AfterAll
    static void cleanUp() {
        pg.drop(pg.name + "_copy");
    }

    private static JsonPath backups() {
        return as("alice").get(BACKUPS).then().statusCode(200).extract().jsonPath();
    }

    /** The newest good backup a db-backup run took (safety and pre-deploy backups carry a note). */
    private static String newestBackupId() {
        return backups().getString("find { it.status == 'OK' && it.note == null }.id");
    }

    private static String backUp() {
        JsonPath run = awaitEnd(start("alice", BACKUPS, Map.of()));
        assertThat(run.getString("outcome")).isEqualTo("BACKED_UP");
        return newestBackupId();
    }

    private static JsonPath restoreApprovedByBob(Map<String, String> body) {
        String runId = start("alice", RESTORES, body);
        String taskId = awaitApproval(runId);
        assertThat(as("bob")
                        .get("/api/approvals")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("find { it.runId == '" + runId + "' }.dbBackup"))
                .as("what bob approves")
                .contains(body.get("backupId"))
                .contains("restored into database");
        decide("alice", taskId, true).then().statusCode(403);
        decide("bob", taskId, true).then().statusCode(204);
        return awaitEnd(runId);
    }

    @Test
    @Order(1)
    void shouldBackUpTheDatabaseWithCountsFromTheArchiveAndItsChecksum() throws Exception {
        JsonPath run = awaitEnd(start("alice", BACKUPS, Map.of()));

        assertThat(run.getString("outcome")).isEqualTo("BACKED_UP");
        assertThat(run.getList("steps.activityId"))
                .containsExactly("Task_DumpDatabase", "Task_VerifyBackup", "Task_ApplyRetention");
        JsonPath list = backups();
        assertThat(list.getString("[0].kind")).isEqualTo("postgresql");
        assertThat(list.getString("[0].scheduleClass")).isEqualTo("manual");
        assertThat(list.getString("[0].status")).isEqualTo("OK");
        assertThat(list.getString("[0].by")).isEqualTo("alice");
        assertThat(list.getMap("[0].counts"))
                .containsEntry("public.orders", 100)
                .containsEntry("public.customers", 3);
        Path archive = shop.dataDir.resolve("db-backups/shop/" + list.getString("[0].id") + ".pgdump");
        assertThat(list.getString("[0].sha256")).isEqualTo(sha256(archive));
        assertThat(list.getLong("[0].sizeBytes")).isEqualTo(Files.size(archive));
    }

    @Test
    @Order(2)
    void shouldPutTheRowsBackAfterAnApproverApprovesTheRestore() {
        String backupId = newestBackupId();
        pg.sql("DELETE FROM orders WHERE id > 40", "UPDATE customers SET id = id + 10");

        JsonPath run = restoreApprovedByBob(Map.of("backupId", backupId));

        assertThat(run.getString("outcome")).isEqualTo("RESTORED");
        assertThat(run.getString("approvedBy")).isEqualTo("bob");
        assertThat(pg.count("orders")).isEqualTo(100);
        assertThat(pg.queryLong(pg.name, "SELECT max(id) FROM customers")).isEqualTo(3);
        assertThat(backups().getString("find { it.runId == '" + run.getString("runId") + "' }.note"))
                .as("safety backup taken by the restore")
                .contains("before it changes the database");
        assertThat(stepLog(run.getString("runId"), "Task_RestoreBackup")).contains("pg_restore --clean --if-exists");
    }

    @Test
    @Order(3)
    void shouldRestoreIntoAnotherDatabaseLeavingTheTargetsOwnAlone() {
        String backupId = newestBackupId();
        pg.sql("DELETE FROM orders WHERE id > 90");

        JsonPath run = restoreApprovedByBob(Map.of("backupId", backupId, "intoDatabase", pg.name + "_copy"));

        assertThat(run.getString("outcome")).isEqualTo("RESTORED");
        assertThat(pg.queryLong(pg.name + "_copy", "SELECT count(*) FROM orders"))
                .isEqualTo(100);
        assertThat(pg.count("orders")).isEqualTo(90);
    }

    @Test
    @Order(4)
    void shouldRefuseADamagedArchiveBySha256BeforeAskingAnyone() throws Exception {
        String backupId = backUp();
        Path archive = shop.dataDir.resolve("db-backups/shop/" + backupId + ".pgdump");
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(archive, bytes);
        pg.sql("DELETE FROM orders WHERE id > 80");

        JsonPath run = awaitEnd(start("alice", RESTORES, Map.of("backupId", backupId)));

        assertThat(run.getString("outcome")).isEqualTo("FAILED");
        assertThat(run.getString("failure")).startsWith("BACKUP_INVALID").contains("sha256");
        assertThat(run.getList("steps.activityId")).containsExactly("Task_FindBackup");
        assertThat(backups().getString("find { it.id == '" + backupId + "' }.status"))
                .isEqualTo("CORRUPT");
        assertThat(pg.count("orders")).isEqualTo(80);
    }

    @Test
    @Order(5)
    void shouldKeepTheConfiguredNumberOfBackupsButNeverOneAWaitingRestoreNeeds() throws Exception {
        String waitingFor = backUp();
        String restoreRun = start("alice", RESTORES, Map.of("backupId", waitingFor));
        awaitApproval(restoreRun);
        for (int i = 0; i < 5; i++) {
            backUp();
        }

        List<Map<String, Object>> good = backups().getList("findAll { it.status == 'OK' }");
        assertThat(good).extracting(b -> b.get("id")).contains(waitingFor).hasSize(5);
        try (Stream<Path> archives = Files.list(shop.dataDir.resolve("db-backups/shop"))) {
            assertThat(archives).hasSize(5);
        }
        decide("bob", awaitApproval(restoreRun), false).then().statusCode(204);
        assertThat(awaitEnd(restoreRun).getString("outcome")).isEqualTo("REJECTED");
        backUp();
        assertThat(backups().getList("findAll { it.status == 'OK' }.id"))
                .hasSize(4)
                .doesNotContain(waitingFor);
    }

    @Test
    @Order(6)
    void shouldBackUpBeforeMigratingAndRestoreTheDatabaseWhenTheNewReleaseIsUnhealthy() {
        JsonPath v1 = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v1")));
        assertThat(v1.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(v1.getList("steps.activityId"))
                .containsSubsequence(
                        "Task_PrepareRelease",
                        "Task_InstallAndBuild",
                        "Task_DatabaseBackup",
                        "Task_Migrate",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload");
        long orders = pg.count("orders");
        long migrations = pg.count("schema_migrations");

        shop.publish(
                "migrate-then-crash",
                Map.of(
                        "backend/migrate.js",
                        migration("crash", false),
                        "backend/src/main.js",
                        "console.error('cannot start'); process.exit(1);\n"));
        JsonPath run =
                awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "migrate-then-crash")));

        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getList("steps.findAll { it.compensation }.activityId"))
                .containsExactly("Task_SwitchBack", "Task_RestoreDatabase", "Task_DiscardRelease");
        assertThat(stepLog(run.getString("runId"), "Task_Migrate")).contains("INSERT 0 1");
        assertThat(pg.count("schema_migrations"))
                .as("the migration's row is gone")
                .isEqualTo(migrations);
        assertThat(pg.queryLong(
                        pg.name,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                                + "'orders' AND column_name = 'migrated'"))
                .as("column added by the migration is gone")
                .isZero();
        assertThat(pg.count("orders")).isEqualTo(orders);
        assertThat(shop.served()).contains("\"version\":\"v1\"");
    }

    @Test
    @Order(7)
    void shouldPutTheDatabaseBackWhenAMigrationFailsHalfWay() {
        long orders = pg.count("orders");
        long migrations = pg.count("schema_migrations");
        shop.publish("migrate-fails", Map.of("backend/migrate.js", migration("fails", true)));

        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "migrate-fails")));

        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure")).startsWith("COMMAND_FAILED");
        assertThat(stepLog(run.getString("runId"), "Task_Migrate")).contains("putting database backup");
        assertThat(run.getList("steps.findAll { it.compensation }.activityId")).doesNotContain("Task_RestoreDatabase");
        assertThat(pg.count("orders")).isEqualTo(orders);
        assertThat(pg.count("schema_migrations")).isEqualTo(migrations);
        assertThat(pg.queryLong(
                        pg.name,
                        "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                                + "'orders' AND column_name = 'migrated'"))
                .isZero();
        assertThat(shop.served()).contains("\"status\":\"ok\"");
    }

    @Test
    @Order(8)
    void shouldKeepAMigrationOfAHealthyRelease() {
        shop.publish("migrate-ok", Map.of("backend/migrate.js", migration("ok", false)));

        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "migrate-ok")));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(pg.queryLong(pg.name, "SELECT count(*) FROM orders WHERE migrated"))
                .isEqualTo(pg.count("orders"));
    }

    @Test
    @Order(9)
    void shouldListTheSchedulesWithTheScriptsTimesAndTheirNextFireTimes() {
        JsonPath schedules = as("alice")
                .get("/api/targets/shop/db-backup-schedules")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();

        assertThat(schedules.getList("scheduleClass")).containsExactly("daily", "weekly", "monthly");
        assertThat(schedules.getList("cron")).containsExactly("0 0 2 * * ?", "0 0 3 ? * SUN", "0 0 4 1 * ?");
        List<String> daily = schedules.getList("[0].nextFireTimes");
        assertThat(daily)
                .hasSize(3)
                .allSatisfy(time -> assertThat(LocalTime.ofInstant(Instant.parse(time), ZoneId.systemDefault()))
                        .isEqualTo(LocalTime.of(2, 0)));
        assertThat(Duration.between(Instant.parse(daily.get(0)), Instant.parse(daily.get(1))))
                .isEqualTo(Duration.ofDays(1));
        as("alice").get("/api/targets/nowhere/db-backup-schedules").then().statusCode(404);
    }

    @Test
    @Order(10)
    void shouldRefuseBadRestoreRequests() {
        for (Map<String, String> body : List.<Map<String, String>>of(
                Map.of(),
                Map.of("backupId", "../x"),
                Map.of("backupId", newestBackupId(), "intoDatabase", "x; DROP DATABASE test"))) {
            as("alice")
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post(RESTORES)
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json");
        }
        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of("backupId", "20200101_000000_manual"))
                .post(RESTORES)
                .then()
                .statusCode(404);
    }

    @Test
    @Order(11)
    void shouldNeverShowTheDatabasePasswordInLogsVariablesOrResponses() throws Exception {
        StringBuilder everything = new StringBuilder();
        try (Stream<Path> logs = Files.walk(shop.dataDir.resolve("runs"))) {
            for (Path log : logs.filter(Files::isRegularFile).toList()) {
                everything.append(Files.readString(log));
            }
        }
        everything.append(as("alice").get("/api/runs?limit=100").asString());
        everything.append(as("alice").get(BACKUPS).asString());
        everything.append(as("admin")
                .get("/engine-rest/history/variable-instance?deserializeValues=false")
                .asString());
        everything.append(as("admin").get("/engine-rest/history/incident").asString());

        assertThat(everything.toString())
                .contains("pg_dump")
                .doesNotContain(PASSWORD)
                .doesNotContain("S3cr%40t")
                .doesNotContain("S3cr@t");
    }

    /** A migrate.js that adds a column and a bookkeeping row through psql, then fails or not. */
    private static String migration(String name, boolean failAfterwards) {
        return """
                const { execFileSync } = require('child_process');
                execFileSync('psql', ['-v', 'ON_ERROR_STOP=1', '-c', 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS migrated boolean DEFAULT true',
                    '-c', "INSERT INTO schema_migrations VALUES ('%s')"], { stdio: 'inherit' });
                %s
                """.formatted(name, failAfterwards ? "console.error('migration 2 of 2 failed'); process.exit(1);" : "");
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}

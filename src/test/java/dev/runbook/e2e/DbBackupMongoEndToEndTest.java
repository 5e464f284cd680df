package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.MongoStandins;
import dev.runbook.testsupport.PlatformTest;
import dev.runbook.testsupport.WebhookReceiver;
import dev.runbook.testsupport.WebhookReceiver.Received;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
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
 * db-backup, db-restore and db-backup-schedule for MongoDB through the REST API. No MongoDB server or database tools
 * can be had on the build machines, so {@code runbook.tools.mongodump}/{@code mongorestore} point at stand-ins that
 * honour the real tools' contract (options, {@code --config} file, progress lines, exit codes, archive file; see
 * {@link MongoStandins}) and require the password, which has URI-special characters. Target {@code reports} has a
 * daily schedule that fires every three seconds.
 */
@PlatformTest
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DbBackupMongoEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("db-mongo-shop-backend");

    static final MongoStandins mongo = new MongoStandins();
    static final String PASSWORD = "p@ss:w/rd";
    static final String ENCODED = "p%40ss%3Aw%2Frd";
    static final String BACKUPS = "/api/targets/shop/db-backups";
    static final String RESTORES = "/api/targets/shop/db-restores";
    /** The target's webhook: receives the notifications the platform sends about shop. */
    static final WebhookReceiver receiver = new WebhookReceiver();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        registry.add("runbook.targets.shop.webhook.url", () -> receiver.url() + "/shop");
        shop.registerDatabase(
                registry, "mongodb", "mongodb://app:" + ENCODED + "@127.0.0.1:27017/shop?authSource=admin");
        registry.add("runbook.tools.mongodump", mongo::mongodump);
        registry.add("runbook.tools.mongorestore", mongo::mongorestore);
        String reports = "runbook.targets.reports.";
        registry.add(reports + "root", () -> shop.root.resolve("reports").toString());
        registry.add(reports + "components.web.pm2-app", () -> "reports-web");
        registry.add(reports + "components.web.ecosystem", () -> "ecosystem.config.js");
        registry.add(reports + "components.web.health-url", () -> "http://127.0.0.1:1/health");
        registry.add(reports + "database.kind", () -> "mongodb");
        registry.add(
                reports + "database.uri",
                () -> "mongodb://app:" + ENCODED + "@127.0.0.1:27017/reports" + "?authSource=admin");
        registry.add(reports + "backups.db-schedule.daily", () -> "0/3 * * * * ?");
        registry.add(reports + "backups.db-schedule.weekly", () -> "off");
        registry.add(reports + "backups.db-schedule.monthly", () -> "off");
        registry.add(reports + "backups.db-keep.daily", () -> "2");
        mongo.users(Map.of("app", Map.of("password", PASSWORD, "db", "admin")));
        mongo.collection("shop", "orders", List.of(Map.of("_id", 1), Map.of("_id", 2), Map.of("_id", 3)));
        mongo.collection("shop", "customers", List.of(Map.of("_id", "c1")));
        mongo.collection("reports", "daily_totals", List.of(Map.of("_id", "2025-01-01"), Map.of("_id", "2025-01-02")));
    }

    @AfterAll
    static void stopApp() {
        mongo.delete();
        receiver.close();
    }

    private static JsonPath backups(String target) {
        return as("alice")
                .get("/api/targets/" + target + "/db-backups")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static String goodBackup() {
        JsonPath run = awaitEnd(start("alice", BACKUPS, Map.of()));
        assertThat(run.getString("outcome")).isEqualTo("BACKED_UP");
        return backups("shop").getString("find { it.status == 'OK' }.id");
    }

    private static JsonPath restoreApprovedByBob(Map<String, String> body) {
        String runId = start("alice", RESTORES, body);
        String taskId = awaitApproval(runId);
        decide("alice", taskId, true).then().statusCode(403);
        decide("bob", taskId, true).then().statusCode(204);
        return awaitEnd(runId);
    }

    private static List<Object> ids(String collection) {
        return mongo.documents("shop", collection).stream()
                .map(d -> d.get("_id"))
                .toList();
    }

    @Test
    @Order(1)
    void shouldDumpOneGzipArchiveWithCountsFromMongodumpsOutput() throws Exception {
        String id = goodBackup();

        JsonPath backup = backups("shop");
        assertThat(backup.getString("[0].kind")).isEqualTo("mongodb");
        assertThat(backup.getMap("[0].counts")).containsEntry("orders", 3).containsEntry("customers", 1);
        Path archive = shop.dataDir.resolve("db-backups/shop/" + id + ".archive.gz");
        assertThat(Arrays.copyOf(Files.readAllBytes(archive), 4)).containsExactly(0x6d, 0xe2, 0x99, 0x81);
        Map<String, Object> dump = mongo.calls().stream()
                .filter(c -> "mongodump".equals(c.get("tool")))
                .filter(c -> c.get("argv").toString().contains(archive.toString()))
                .findFirst()
                .orElseThrow();
        assertThat(dump.get("argv")).asList().contains("--archive=" + archive, "--gzip");
        assertThat(dump.get("config_mode")).isEqualTo("0o600");
        assertThat(Path.of((String) dump.get("config"))).doesNotExist();
    }

    @Test
    @Order(2)
    void shouldRestoreIntoAnotherDatabaseThroughNamespaceMapping() {
        String id = backups("shop").getString("find { it.status == 'OK' }.id");

        JsonPath run = restoreApprovedByBob(Map.of("backupId", id, "intoDatabase", "shop_restored"));

        assertThat(run.getString("outcome")).isEqualTo("RESTORED");
        assertThat(mongo.documents("shop_restored", "orders")).hasSize(3);
        assertThat(mongo.calls().stream()
                        .filter(c -> "mongorestore".equals(c.get("tool")))
                        .map(c -> c.get("argv").toString()))
                .anySatisfy(argv -> assertThat(argv)
                        .contains(
                                "--drop", "--nsInclude=shop.*", "--nsFrom=shop.*", "--nsTo=shop_restored.*", "--gzip"));
    }

    @Test
    @Order(3)
    void shouldPutDocumentsBackAfterAnApproverApproves() {
        String id = backups("shop").getString("find { it.status == 'OK' && it.database == 'shop' }.id");
        mongo.collection("shop", "orders", List.of(Map.of("_id", 99)));

        JsonPath run = restoreApprovedByBob(Map.of("backupId", id));

        assertThat(run.getString("outcome")).isEqualTo("RESTORED");
        assertThat(ids("orders")).containsExactly(1, 2, 3);
    }

    @Test
    @Order(4)
    void shouldPutTheSafetyBackupBackWhenTheRestoreFailsHalfWay() {
        String id = backups("shop").getString("find { it.status == 'OK' && it.database == 'shop' }.id");
        mongo.collection("shop", "orders", List.of(Map.of("_id", "changed")));
        mongo.collection("shop", "customers", List.of(Map.of("_id", "c-changed")));
        mongo.failRestoreAfter(1);

        JsonPath run = restoreApprovedByBob(Map.of("backupId", id));

        assertThat(run.getString("outcome")).isEqualTo("REVERTED");
        assertThat(run.getString("failure")).startsWith("COMMAND_FAILED");
        assertThat(stepLog(run.getString("runId"), "Task_RestoreBackup")).contains("putting safety backup");
        assertThat(ids("orders")).containsExactly("changed");
        assertThat(ids("customers")).containsExactly("c-changed");
    }

    @Test
    @Order(5)
    void shouldCompensateWithTheSafetyBackupWhenRestoredCountsDifferFromTheCatalogue() {
        String id = backups("shop").getString("find { it.status == 'OK' && it.counts.orders == 3 }.id");
        mongo.failDocuments(1);

        JsonPath run = restoreApprovedByBob(Map.of("backupId", id));

        assertThat(run.getString("outcome")).isEqualTo("REVERTED");
        assertThat(run.getString("failure")).startsWith("VERIFICATION_FAILED").contains("customers: 0 instead of 1");
        assertThat(run.getList("steps.findAll { it.compensation }.activityId"))
                .containsExactly("Task_RestoreSafetyBackup");
        assertThat(ids("orders")).containsExactly("changed");
        assertThat(ids("customers")).containsExactly("c-changed");
    }

    @Test
    @Order(6)
    void shouldEndFailedWithAnIncidentAndAnAlertWhenMongodumpFailsUntilAGoodBackupExists() throws InterruptedException {
        mongo.failDump("can't create session: connection() error: dial tcp 127.0.0.1:27017: connection refused");

        String runId = start("alice", BACKUPS, Map.of());
        JsonPath run = awaitEnd(runId);

        assertThat(run.getString("state")).isEqualTo("INCIDENT");
        assertThat(run.getString("outcome")).isEqualTo("FAILED");
        assertThat(run.getString("failure")).startsWith("BACKUP_FAILED").contains("connection refused");
        Received alert = Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> receiver.where("runId", runId), sent -> !sent.isEmpty())
                .get(0);
        assertThat(alert.path()).isEqualTo("/shop");
        assertThat(alert.body())
                .containsEntry("event", "BACKUP_FAILED")
                .containsEntry("processKey", "db-backup")
                .containsEntry("failureCode", "BACKUP_FAILED");
        assertThat((String) alert.body().get("text"))
                .startsWith("Database backup failed on shop: BACKUP_FAILED")
                .contains("connection refused");
        JsonPath failed = backups("shop");
        assertThat(failed.getString("[0].status")).isEqualTo("FAILED");
        assertThat(shop.dataDir.resolve("db-backups/shop/" + failed.getString("[0].id") + ".archive.gz"))
                .as("no partial archive left")
                .doesNotExist();
        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of("backupId", failed.getString("[0].id")))
                .post(RESTORES)
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        String incident = as("admin")
                .get("/engine-rest/incident?processInstanceId=" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getString("[0].incidentMessage");
        assertThat(incident).contains("take a backup");

        mongo.failDump(null);
        goodBackup();
        String jobId = as("admin")
                .get("/engine-rest/job?processInstanceId=" + runId)
                .then()
                .extract()
                .jsonPath()
                .getString("[0].id");
        as("admin")
                .contentType(ContentType.JSON)
                .body(Map.of("retries", 1))
                .put("/engine-rest/job/" + jobId + "/retries")
                .then()
                .statusCode(204);
        JsonPath closed = Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> awaitEnd(runId), r -> "ENDED".equals(r.getString("state")));
        assertThat(closed.getString("outcome")).isEqualTo("FAILED");
        Thread.sleep(1500);
        assertThat(receiver.where("runId", runId))
                .as("one failed backup, one message, when it failed")
                .extracting(r -> r.body().get("event"))
                .containsExactly("BACKUP_FAILED");
    }

    @Test
    @Order(7)
    void shouldFailAnEmptyDumpAndAMissingToolNeverReportingBackedUp() throws Exception {
        Path store = mongo.root.resolve("store/shop");
        Path aside = mongo.root.resolve("shop-aside");
        Files.move(store, aside);
        JsonPath empty;
        try {
            empty = awaitEnd(start("alice", BACKUPS, Map.of()));
        } finally {
            Files.move(aside, store);
        }
        assertThat(empty.getString("outcome")).isEqualTo("FAILED");
        assertThat(empty.getString("failure")).contains("empty dump");

        Path tool = Path.of(mongo.mongodump());
        Path hidden = tool.resolveSibling("mongodump.hidden");
        Files.move(tool, hidden);
        JsonPath missing;
        try {
            missing = awaitEnd(start("alice", BACKUPS, Map.of()));
        } finally {
            Files.move(hidden, tool);
        }
        assertThat(missing.getString("outcome")).isEqualTo("FAILED");
        assertThat(missing.getString("failure")).startsWith("BACKUP_FAILED").contains("cannot be started");
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> receiver.where("runId", missing.getString("runId")).size() == 1);
        assertThat(receiver.where("runId", empty.getString("runId")))
                .extracting(r -> r.body().get("event"))
                .containsExactly("BACKUP_FAILED");
    }

    @Test
    @Order(8)
    void shouldRunTheScheduledBackupsWithTheirClassAndKeepTheConfiguredNumber() {
        JsonPath schedules = as("alice")
                .get("/api/targets/reports/db-backup-schedules")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(schedules.getString("[0].cron")).isEqualTo("0/3 * * * * ?");
        List<String> next = schedules.getList("[0].nextFireTimes");
        assertThat(Duration.between(Instant.parse(next.get(0)), Instant.parse(next.get(1))))
                .hasSeconds(3);
        assertThat(schedules.getList("enabled")).containsExactly(true, false, false);

        Awaitility.await()
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> as("alice")
                                .get("/api/runs?target=reports&processKey=db-backup&state=ENDED&limit=100")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("findAll { it.outcome == 'BACKED_UP' }")
                                .size()
                        >= 4);

        JsonPath reports = backups("reports");
        assertThat(reports.getList("scheduleClass")).containsOnly("daily");
        assertThat(reports.getList("by")).containsOnly("schedule");
        assertThat(reports.getList("findAll { it.status == 'OK' }")).hasSizeBetween(2, 3);
        assertThat(as("alice")
                        .get("/api/runs?target=reports&processKey=db-backup-schedule")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("state"))
                .containsExactly("RUNNING");
    }

    @Test
    @Order(9)
    void shouldNeverShowTheDatabasePasswordInLogsVariablesResponsesOrArguments() throws Exception {
        StringBuilder everything = new StringBuilder();
        try (Stream<Path> logs = Files.walk(shop.dataDir.resolve("runs"))) {
            for (Path log : logs.filter(Files::isRegularFile).toList()) {
                everything.append(Files.readString(log));
            }
        }
        everything.append(as("alice").get("/api/runs?limit=500").asString());
        everything.append(as("alice").get(BACKUPS).asString());
        everything.append(as("admin")
                .get("/engine-rest/history/variable-instance?deserializeValues=false")
                .asString());
        everything.append(as("admin").get("/engine-rest/history/incident").asString());
        everything.append(
                mongo.calls().stream().map(c -> c.get("argv").toString()).toList());
        receiver.received().forEach(sent -> everything.append(sent.body()));

        assertThat(everything.toString())
                .contains("mongodump")
                .contains("mongodb://app:****@127.0.0.1:27017/shop")
                .doesNotContain(PASSWORD)
                .doesNotContain(ENCODED);
    }
}

package dev.runbook.e2e.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformNode;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two real platform processes on one PostgreSQL database (127.0.0.1:5432) and one shared data dir: both job
 * executors take work, each step runs once, and when the node running a long build is killed the other finishes
 * the run.
 */
class TwoNodeClusterEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("cluster-shop-backend");

    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    static final String DATABASE =
            "runbook_cluster_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    @BeforeAll
    static void createDatabase() {
        sql("test", "CREATE DATABASE " + DATABASE);
    }

    @AfterAll
    static void dropDatabase() {
        sql("test", "DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
    }

    @Test
    void shouldShareTheWorkAndFinishTheRunOfAKilledNode() throws Exception {
        Map<String, String> properties = new HashMap<>(shop.properties(false));
        properties.put("spring.datasource.url", SERVER + DATABASE);
        properties.put("spring.datasource.username", "postgres");
        properties.put("spring.datasource.password", "");
        String slow = shop.publish("slow-build", Map.of("backend/build.js", """
                const fs = require('fs');
                const until = Date.now() + 10000;
                while (Date.now() < until) { }
                fs.mkdirSync('dist', { recursive: true });
                fs.writeFileSync('dist/main.js', fs.readFileSync('src/main.js', 'utf8').replace("'v2'", "'slow'"));
                """));
        // something serves, so that the backups (pins of the serving release) have a release to pin
        Files.createDirectories(shop.home.resolve("releases/cluster-test"));
        shop.switchCurrent("cluster-test");
        PlatformNode a = PlatformNode.start(properties, shop.root.resolve("node-a.log"));
        PlatformNode b = PlatformNode.start(properties, shop.root.resolve("node-b.log"));
        try {
            List<String> backups = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                PlatformNode node = i % 2 == 0 ? a : b;
                backups.add(as(node).contentType(ContentType.JSON)
                        .post("/api/targets/shop/backups")
                        .then()
                        .statusCode(202)
                        .extract()
                        .path("runId"));
            }
            for (String runId : backups) {
                assertThat(awaitEnded(a, runId, Duration.ofMinutes(2)).getString("outcome"))
                        .isEqualTo("BACKED_UP");
            }
            // a backup's step is host-bound (the pin on the host local): each node's in-process worker fetches such
            // steps, its worker id the node's job lock owner; a successful step has one log entry of state 2
            assertThat(query("SELECT COUNT(DISTINCT WORKER_ID_) FROM ACT_HI_EXT_TASK_LOG WHERE STATE_ = 2"))
                    .as("both nodes executed steps")
                    .isEqualTo(2);
            assertThat(query("SELECT COUNT(*) FROM (SELECT EXT_TASK_ID_ FROM ACT_HI_EXT_TASK_LOG WHERE STATE_ = 2 "
                            + "GROUP BY EXT_TASK_ID_ HAVING COUNT(*) > 1) twice"))
                    .as("no step ran twice")
                    .isZero();
            assertThat(query("SELECT COUNT(*) FROM ACT_HI_EXT_TASK_LOG WHERE STATE_ = 2"))
                    .as("one pin a backup")
                    .isEqualTo(8);

            String runId = as(a).contentType(ContentType.JSON)
                    .body(Map.of("gitRef", "slow-build"))
                    .post("/api/targets/shop/deployments")
                    .then()
                    .statusCode(202)
                    .extract()
                    .path("runId");
            String owner = Awaitility.await()
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(300))
                    .until(
                            // a host-bound step: the external task locked by the in-process worker of a node
                            () -> text("SELECT WORKER_ID_ FROM ACT_RU_EXT_TASK WHERE ACT_ID_ = 'Task_InstallAndBuild'"
                                    + " AND WORKER_ID_ IS NOT NULL AND LOCK_EXP_TIME_ IS NOT NULL"
                                    + " AND PROC_INST_ID_ = '" + runId + "'"),
                            java.util.Objects::nonNull);
            PlatformNode running = owner.contains(":" + pidOf(a) + ":") ? a : b;
            PlatformNode survivor = running == a ? b : a;
            running.kill();

            JsonPath run = awaitEnded(survivor, runId, Duration.ofMinutes(3));
            assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
            assertThat(shop.head()).isEqualTo(slow);
            assertThat(shop.served()).contains("\"version\":\"slow\"");
        } finally {
            a.close();
            b.close();
        }
    }

    private static long pidOf(PlatformNode node) {
        return node.pid();
    }

    private static RequestSpecification as(PlatformNode node) {
        return given().port(node.port).auth().preemptive().basic("alice", "alice-pw");
    }

    private static JsonPath awaitEnded(PlatformNode node, String runId, Duration within) {
        return Awaitility.await()
                .atMost(within)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> as(node).get("/api/runs/" + runId)
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath(),
                        run -> "ENDED".equals(run.getString("state")));
    }

    private static long query(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(SERVER + DATABASE, "postgres", "");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String text(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(SERVER + DATABASE, "postgres", "");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    private static void sql(String database, String sql) {
        try (Connection connection = DriverManager.getConnection(SERVER + database, "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}

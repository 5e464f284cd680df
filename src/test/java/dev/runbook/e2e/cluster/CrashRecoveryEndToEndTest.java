package dev.runbook.e2e.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformNode;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGKILL of a real platform process (H2 file database) while a run waits for approval and while a long build
 * runs, and again after the switch while the health check waits for a slowly booting release; after each restart the
 * waiting run still waits, and the interrupted run resumes and ends as it would have, with one release made and one
 * switch.
 */
class CrashRecoveryEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("crash-shop-backend");

    @Test
    void shouldResumeAfterSigkillMidBuildAndKeepWaitingApprovals() {
        Map<String, String> properties = shop.properties(true);
        Path log = shop.root.resolve("platform.log");
        String slow = shop.publish("slow-build", Map.of("backend/build.js", """
                const fs = require('fs');
                const until = Date.now() + 8000;
                while (Date.now() < until) { }
                fs.mkdirSync('dist', { recursive: true });
                fs.writeFileSync('dist/main.js', fs.readFileSync('src/main.js', 'utf8').replace("'v2'", "'slow'"));
                console.log('built slow');
                """));

        shop.publish("slow-boot", Map.of("backend/src/main.js", """
                const http = require('http');
                setTimeout(() => http.createServer((req, res) => {
                  res.writeHead(200, { 'Content-Type': 'application/json' });
                  res.end(JSON.stringify({ status: 'ok', version: 'boot' }));
                }).listen(Number(process.env.PORT), '127.0.0.1'), 6000);
                """));

        PlatformNode node = PlatformNode.start(properties, log);
        String waiting;
        try {
            waiting = start(node, "v1");
            awaitState(node, waiting, "WAITING_FOR_APPROVAL");
        } finally {
            node.kill();
        }

        node = PlatformNode.start(properties, log);
        try {
            assertThat(run(node, waiting).getString("state")).isEqualTo("WAITING_FOR_APPROVAL");
            decide(node, waiting);
            assertThat(awaitEnded(node, waiting, Duration.ofMinutes(2)).getString("outcome"))
                    .isEqualTo("DEPLOYED");
            int backupsBefore = as(node, "alice")
                    .get("/api/targets/shop/backups")
                    .jsonPath()
                    .getList("$")
                    .size();

            String interrupted = start(node, "slow-build");
            PlatformNode[] current = {node};
            decide(node, interrupted);
            Awaitility.await()
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> run(current[0], interrupted)
                                    .getList("steps.findAll { it.activityId == "
                                            + "'Task_InstallAndBuild' && it.outcome == 'RUNNING' }")
                                    .size()
                            == 1);
            sleepSeconds(2);
            node.kill();

            node = PlatformNode.start(properties, log);
            JsonPath run = awaitEnded(node, interrupted, Duration.ofMinutes(2));
            assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
            assertThat(shop.head()).isEqualTo(slow);
            assertThat(shop.served()).contains("\"version\":\"slow\"");
            List<Object> backups = as(node, "alice")
                    .get("/api/targets/shop/backups")
                    .jsonPath()
                    .getList("$");
            assertThat(backups)
                    .as("the interrupted run made one release, not two")
                    .hasSize(Math.min(backupsBefore + 1, 3));

            // killed after the switch, while the health check waits for a release that boots slowly
            String switched = start(node, "slow-boot");
            current[0] = node;
            decide(node, switched);
            Awaitility.await()
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> run(current[0], switched)
                                    .getList("steps.findAll { it.activityId == "
                                            + "'Task_HealthCheck' && it.outcome == 'RUNNING' }")
                                    .size()
                            == 1);
            node.kill();

            node = PlatformNode.start(properties, log);
            JsonPath resumed = awaitEnded(node, switched, Duration.ofMinutes(2));
            assertThat(resumed.getString("outcome")).isEqualTo("DEPLOYED");
            assertThat(shop.served()).contains("\"version\":\"boot\"");
            assertThat(resumed.getList("steps.findAll { it.activityId == 'Task_SwitchRelease' }"))
                    .as("switched once, not again after the restart")
                    .hasSize(1);
            assertThat(shop.currentRelease()).isEqualTo(resumed.getString("backupId"));
        } finally {
            node.close();
        }
    }

    private static RequestSpecification as(PlatformNode node, String user) {
        return given().port(node.port).auth().preemptive().basic(user, user + "-pw");
    }

    private static String start(PlatformNode node, String ref) {
        return as(node, "alice")
                .contentType(ContentType.JSON)
                .body(Map.of("gitRef", ref))
                .post("/api/targets/shop/deployments")
                .then()
                .statusCode(202)
                .extract()
                .path("runId");
    }

    private static JsonPath run(PlatformNode node, String runId) {
        return as(node, "alice")
                .get("/api/runs/" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    private static void decide(PlatformNode node, String runId) {
        String taskId = Awaitility.await()
                .atMost(Duration.ofMinutes(1))
                .until(
                        () -> as(node, "bob")
                                .get("/api/approvals")
                                .jsonPath()
                                .getString("find { it.runId == '" + runId + "' }.taskId"),
                        java.util.Objects::nonNull);
        as(node, "bob")
                .contentType(ContentType.JSON)
                .body(Map.of("approved", true))
                .post("/api/approvals/" + taskId)
                .then()
                .statusCode(204);
    }

    private static void awaitState(PlatformNode node, String runId, String state) {
        Awaitility.await()
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> state.equals(run(node, runId).getString("state")));
    }

    private static JsonPath awaitEnded(PlatformNode node, String runId, Duration within) {
        return Awaitility.await()
                .atMost(within)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> run(node, runId), r -> "ENDED".equals(r.getString("state")));
    }

    private static void sleepSeconds(int seconds) {
        try {
            Thread.sleep(seconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

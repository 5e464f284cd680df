package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.heldInItsBuild;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.testsupport.ApiClient;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The deploy runbook through the REST API against a real target: real git, npm, PM2 and HTTP on the demo Node app.
 * The methods build on each other (v1, then v2, then failures that must roll back to v2), hence the order.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("e2e-shop-backend");

    @Autowired
    Pm2Client pm2;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, true);
    }

    @Test
    @Order(1)
    void shouldDeployV1AfterApprovalByAnotherUser() throws Exception {
        String runId = requestDeploy("alice", "v1");
        String taskId = awaitApproval(runId);

        JsonPath approval = approvals("bob");
        assertThat(approval.getString("find { it.taskId == '" + taskId + "' }.toCommit"))
                .isEqualTo(shop.sha("v1"));
        assertThat(approval.getString("find { it.taskId == '" + taskId + "' }.requestedBy"))
                .isEqualTo("alice");

        decide("bob", taskId, true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(run.getString("approvedBy")).isEqualTo("bob");
        assertThat(run.getString("requestedBy")).isEqualTo("alice");
        assertThat(shop.served()).contains("\"version\":\"v1\"");
        assertThat(shop.head()).isEqualTo(shop.sha("v1"));
        assertSavedAsServing("v1");
        assertThat(run.getString("steps.find { it.activityId == 'Task_HealthCheck' }.logTail"))
                .as("a first start has no gap to measure, only its first answer")
                .containsPattern("backend: first 2xx answer \\d+\\.\\d\\d s after the reload began");
    }

    /**
     * The PM2 dump ({@code pm2 save}, what {@code pm2 resurrect} starts after a reboot) lists the app running from
     * {@code current}, with {@code version}'s code there, saved after its last (re)start.
     */
    private void assertSavedAsServing(String version) throws java.io.IOException {
        Map<String, Object> dumped = shop.dumped();
        assertThat(dumped.get("pm_cwd"))
                .isEqualTo(shop.current().resolve("backend").toString());
        Path script = Path.of((String) dumped.get("pm_exec_path"));
        assertThat(script).startsWith(shop.current());
        assertThat(Files.readString(script)).contains("const version = '" + version + "'");
        long started = pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow().startedAt();
        assertThat(((Number) dumped.get("pm_uptime")).longValue())
                .as("saved after the app's last (re)start")
                .isEqualTo(started);
    }

    @Test
    @Order(2)
    void shouldRefuseTheRequesterApprovingTheirOwnRelease() {
        String runId = requestDeploy("carol", "v2");
        String taskId = awaitApproval(runId);

        decide("carol", taskId, true)
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("four eyes"));
        decide("alice", taskId, true)
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("not in a group"));
        assertThat(given().auth()
                        .preemptive()
                        .basic("alice", "alice-pw")
                        .get("/api/runs/" + runId)
                        .then()
                        .extract()
                        .jsonPath()
                        .getString("state"))
                .isEqualTo("WAITING_FOR_APPROVAL");

        decide("bob", taskId, true).then().statusCode(204);
        decide("bob", taskId, true).then().statusCode(409);
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(run.getString("steps.find { it.activityId == 'Task_HealthCheck' }.logTail"))
                .as("the fork-mode reload gap the platform's health polls saw, in the run view")
                .containsPattern(
                        "backend: no (2xx answer for (up to )?\\d+\\.\\d\\d s|gap seen) (during|after) the reload \\(.*fork mode");
        assertThat(shop.served()).contains("\"version\":\"v2\"");
    }

    @Test
    @Order(3)
    void shouldRollBackToV2WhenHealthCheckFails() throws Exception {
        String v2 = shop.head();
        String serving = shop.currentRelease();
        String digest = FixtureTarget.treeDigest(shop.current());
        String runId = requestDeploy("alice", "v3-broken");
        decide("bob", awaitApproval(runId), true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure")).startsWith("HEALTH_CHECK_FAILED");
        assertThat(shop.head()).isEqualTo(v2);
        assertThat(shop.served()).contains("\"version\":\"v2\"");

        List<Map<String, Object>> steps = run.getList("steps");
        List<Object> compensation = steps.stream()
                .filter(s -> Boolean.TRUE.equals(s.get("compensation")))
                .map(s -> s.get("activityId"))
                .toList();
        assertThat(compensation).containsExactly("Task_SwitchBack", "Task_DiscardRelease");
        assertThat(shop.currentRelease()).isEqualTo(serving);
        assertThat(FixtureTarget.treeDigest(shop.current()))
                .as("nothing changed inside the serving release")
                .isEqualTo(digest);
        assertThat(shop.home.resolve("releases").toFile().list())
                .as("the failed release's directory is gone")
                .noneMatch(id -> id.endsWith(shop.sha("v3-broken").substring(0, 7)));
        assertThat(steps)
                .filteredOn(s -> "Task_HealthCheck".equals(s.get("activityId")))
                .extracting(s -> s.get("outcome"))
                .containsExactly("FAILED");
        assertThat(steps)
                .extracting(s -> s.get("activityId"))
                .endsWith("Task_ReloadPreviousRelease", "Task_HealthCheckPreviousRelease", "Task_DiscardRelease");
        assertThat(stepLog(runId, "Task_HealthCheckPreviousRelease")).contains("save --force");
        assertSavedAsServing("v2");
        for (String undo : List.of(
                "Task_SwitchBack",
                "Task_DiscardRelease",
                "Task_ReloadPreviousRelease",
                "Task_HealthCheckPreviousRelease")) {
            String log = stepLog(runId, undo);
            assertThat(log).as("no npm command while rolling back (%s)", undo).doesNotContain("$ npm");
        }
    }

    @Test
    @Order(4)
    void shouldRollBackWhenBuildExitsNonZeroWhileV2KeepsServing() {
        String v2 = shop.head();
        String digest = FixtureTarget.treeDigest(shop.current());
        long pid = pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow().pid();
        String runId = requestDeploy("alice", "build-broken");
        decide("bob", awaitApproval(runId), true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure")).startsWith("COMMAND_FAILED").contains("npm run build");
        assertThat(shop.head()).isEqualTo(v2);
        assertThat(shop.served()).contains("\"version\":\"v2\"");
        assertThat(stepLog(runId, "Task_InstallAndBuild")).contains("build failed: type error");
        assertThat(Files.exists(shop.current().resolve("backend/dist/main.js"))).isTrue();
        assertThat(FixtureTarget.treeDigest(shop.current()))
                .as("nothing changed inside the serving release")
                .isEqualTo(digest);
        assertThat(run.getList("steps.findAll { it.compensation }.activityId")).containsExactly("Task_DiscardRelease");
        assertThat(pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow().pid())
                .as("the app serving v2 was never restarted")
                .isEqualTo(pid);
        assertThat(run.getList("steps.activityId"))
                .as("nothing was switched, so nothing is reloaded")
                .doesNotContain("Task_SwitchBack", "Task_ReloadPreviousRelease");
    }

    @Test
    @Order(5)
    void shouldChangeNothingWhenRejected() {
        String before = shop.head();
        String runId = requestDeploy("alice", "v1");
        decide("bob", awaitApproval(runId), false).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("REJECTED");
        assertThat(run.getList("steps.activityId")).doesNotContain("Task_PrepareRelease", "Task_SwitchRelease");
        assertThat(shop.head()).isEqualTo(before);
        assertThat(shop.served()).contains("\"version\":\"v2\"");
    }

    @Test
    @Order(6)
    void shouldBuildBesideTheServingReleaseAndNeverWriteIntoIt() throws Exception {
        String serving = shop.currentRelease();
        Path hotFix = shop.current().resolve("backend/src/main.js");
        Files.writeString(hotFix, "// hot fix on the server\n", java.nio.file.StandardOpenOption.APPEND);
        String digest = FixtureTarget.treeDigest(shop.current());
        given().auth()
                .preemptive()
                .basic("alice", "alice-pw")
                .get("/api/targets")
                .then()
                .statusCode(200)
                .body("[0].currentRelease.drift", containsString("backend/src/main.js"));

        String runId = requestDeploy("alice", "v2");
        decide("bob", awaitApproval(runId), true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(shop.currentRelease()).isNotEqualTo(serving).isEqualTo(run.getString("backupId"));
        assertThat(Files.readString(shop.current().resolve("backend/src/main.js")))
                .doesNotContain("hot fix");
        Path previous = shop.home.resolve("releases").resolve(serving);
        assertThat(FixtureTarget.treeDigest(previous))
                .as("the previous release is as it served")
                .isEqualTo(digest);
        assertThat(shop.served()).contains("\"version\":\"v2\"");
    }

    @Test
    @Order(7)
    void shouldAnswer409NamingTheRunThatChangesABusyTarget() throws Exception {
        // a request waiting for its approval holds nothing: a second one is accepted and waits too
        String waiting = requestDeploy("alice", "v1");
        String second = requestDeploy("alice", "v2");
        awaitApproval(waiting);
        decide("bob", awaitApproval(second), false).then().statusCode(204);
        decide("bob", awaitApproval(waiting), false).then().statusCode(204);

        Path gate = Files.createTempDirectory(shop.root, "gate-").resolve("open");
        String holder = heldInItsBuild(shop, gate);
        try {
            given().auth()
                    .preemptive()
                    .basic("alice", "alice-pw")
                    .contentType(ContentType.JSON)
                    .body(Map.of())
                    .post("/api/targets/shop/restarts")
                    .then()
                    .statusCode(409)
                    .contentType("application/problem+json")
                    .body("runId", equalTo(holder));
            // a release backup waits too: taken mid-deploy it would pair the new commit with the old artifacts
            given().auth()
                    .preemptive()
                    .basic("alice", "alice-pw")
                    .contentType(ContentType.JSON)
                    .body(Map.of())
                    .post("/api/targets/shop/backups")
                    .then()
                    .statusCode(409)
                    .body("runId", equalTo(holder));
        } finally {
            Files.writeString(gate, "open");
        }
        assertThat(awaitEnd(holder).getString("outcome")).isEqualTo("ROLLED_BACK");
    }

    @Test
    @Order(8)
    void shouldRejectOptionLikeGitRefBeforeGitSeesIt() {
        String before = shop.head();
        for (String ref : List.of("--upload-pack=touch /tmp/pwned", "-x", "v1;rm -rf /", "../../etc", "a b")) {
            given().auth()
                    .preemptive()
                    .basic("alice", "alice-pw")
                    .contentType(ContentType.JSON)
                    .body(Map.of("gitRef", ref))
                    .post("/api/targets/shop/deployments")
                    .then()
                    .statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", containsString("invalid git ref"));
        }
        given().auth()
                .preemptive()
                .basic("alice", "alice-pw")
                .get("/api/runs?target=shop&state=RUNNING")
                .then()
                .statusCode(200)
                .body("size()", equalTo(0));
        assertThat(shop.head()).isEqualTo(before);
    }

    @Test
    @Order(9)
    void shouldAnswer401WithoutCredentialsAnd404ForUnknownTarget() {
        given().get("/api/targets").then().statusCode(401);
        given().contentType(ContentType.JSON)
                .body(Map.of("gitRef", "v1"))
                .post("/api/targets/shop/deployments")
                .then()
                .statusCode(401);
        given().get("/engine-rest/process-definition").then().statusCode(401);
        given().auth()
                .preemptive()
                .basic("alice", "alice-pw")
                .contentType(ContentType.JSON)
                .body(Map.of("gitRef", "v1"))
                .post("/api/targets/nowhere/deployments")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("nowhere"));
    }

    @Test
    @Order(10)
    void shouldListTargetsWithTheCurrentRelease() {
        given().auth()
                .preemptive()
                .basic("alice", "alice-pw")
                .get("/api/targets")
                .then()
                .statusCode(200)
                .body("[0].name", equalTo("shop"))
                .body("[0].components.backend.pm2App", equalTo(shop.app))
                .body("[0].currentRelease.commit", equalTo(shop.sha("v2")))
                .body("[0].currentRelease.releaseId", equalTo(shop.currentRelease()))
                .body("[0].currentRelease.drift", org.hamcrest.Matchers.nullValue())
                .body("[0].currentRelease.gitRef", equalTo("v2"))
                .body("[0].currentRelease.runId", notNullValue());
    }

    @Test
    @Order(11)
    void shouldStartExactlyOneOfTenConcurrentRestartsAndFreeTheTargetWhenItEnds() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(10);
        List<java.util.concurrent.Future<io.restassured.response.Response>> replies = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            replies.add(pool.submit(() -> given().auth()
                    .preemptive()
                    .basic("alice", "alice-pw")
                    .contentType(ContentType.JSON)
                    .body(Map.of())
                    .post("/api/targets/shop/restarts")));
        }
        List<io.restassured.response.Response> responses = new java.util.ArrayList<>();
        for (var reply : replies) {
            responses.add(reply.get());
        }
        pool.shutdown();
        List<String> started = responses.stream()
                .filter(r -> r.statusCode() == 202)
                .map(r -> r.jsonPath().getString("runId"))
                .toList();
        assertThat(started).hasSize(1);
        assertThat(responses)
                .filteredOn(r -> r.statusCode() != 202)
                .hasSize(9)
                .allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(409));
        assertThat(responses)
                .filteredOn(r -> r.statusCode() == 409)
                .extracting(r -> r.jsonPath().getString("runId"))
                .containsOnly(started.get(0));

        assertThat(awaitEnd(started.get(0)).getString("outcome")).isEqualTo("DONE");
        String next = start("alice", "/api/targets/shop/restarts", Map.of());
        assertThat(next).isNotEqualTo(started.get(0));
        awaitEnd(next);
    }

    @Test
    @Order(12)
    void shouldDeployTheApprovedCommitEvenWhenTheBranchMovesAfterTheRequest() {
        String requested = shop.sha("main");
        String runId = requestDeploy("alice", "main");
        String taskId = awaitApproval(runId);
        String moved = shop.publish("main", Map.of("backend/NOTES.md", "pushed after the approval request\n"));
        assertThat(moved).isNotEqualTo(requested);

        decide("bob", taskId, true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(run.getString("targetCommit")).isEqualTo(requested);
        assertThat(shop.head()).isEqualTo(requested);
    }

    @Test
    @Order(13)
    void shouldStopWithPreconditionWhenSomeoneElseChangedTheTargetWhileWaitingForApproval() {
        String runId = requestDeploy("alice", "v2");
        String taskId = awaitApproval(runId);
        String serving = shop.currentRelease();
        String other = java.util.Arrays.stream(
                        shop.home.resolve("releases").toFile().list())
                .filter(id -> !id.equals(serving))
                .findFirst()
                .orElseThrow();
        shop.switchCurrent(other);
        try {
            decide("bob", taskId, true).then().statusCode(204);
            JsonPath run = awaitEnd(runId);
            assertThat(run.getString("outcome")).isEqualTo("FAILED");
            assertThat(run.getString("failure"))
                    .startsWith("PRECONDITION_FAILED")
                    .contains("request the run again");
            assertThat(run.getList("steps.activityId")).doesNotContain("Task_SwitchRelease", "Task_Pm2Reload");
            assertThat(shop.currentRelease()).isEqualTo(other);
            assertThat(shop.home.resolve("releases").toFile().list()).hasSizeLessThanOrEqualTo(4);
        } finally {
            shop.switchCurrent(serving);
        }
    }

    @Test
    @Order(14)
    void shouldRefuseAnEsModuleEcosystemFileBeforeTheSwitchAndKeepServing() {
        String serving = shop.currentRelease();
        String digest = FixtureTarget.treeDigest(shop.current());
        var before = pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow();
        String answer = shop.served();
        String esm = shop.publish("esm-ecosystem", Map.of("backend/ecosystem.config.js", """
                export default {
                  apps: [{ name: '%s', script: 'dist/main.js', env: { NODE_ENV: 'production' } }]
                };
                """.formatted(shop.app)));
        String runId = requestDeploy("alice", "esm-ecosystem");
        String taskId = awaitApproval(runId);
        JsonPath approval = approvals("bob");
        assertThat(approval.getString("find { it.taskId == '" + taskId
                        + "' }.plan.find { it.activityId == 'Task_PrepareRelease' }.note"))
                .as("the plan says the run will stop before anything changes")
                .startsWith("WILL STOP HERE")
                .contains("backend/ecosystem.config.cjs");
        decide("bob", taskId, true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("FAILED");
        assertThat(run.getString("failure"))
                .startsWith("PRECONDITION_FAILED")
                .contains("backend/ecosystem.config.js", "backend/ecosystem.config.cjs", "export");
        assertThat(run.getList("steps.activityId"))
                .doesNotContain("Task_InstallAndBuild", "Task_SwitchRelease", "Task_Pm2Reload");
        assertThat(shop.currentRelease()).isEqualTo(serving);
        assertThat(shop.served()).isEqualTo(answer);
        assertThat(FixtureTarget.treeDigest(shop.current()))
                .as("nothing changed inside the serving release")
                .isEqualTo(digest);
        var after = pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow();
        assertThat(after.pid()).as("the serving app was not restarted").isEqualTo(before.pid());
        assertThat(after.restarts()).isEqualTo(before.restarts());
        assertThat(after.startedAt()).isEqualTo(before.startedAt());
        assertThat(shop.home.resolve("releases").toFile().list())
                .as("the new release's directory is gone")
                .noneMatch(id -> id.endsWith(esm.substring(0, 7)));
    }

    private String requestDeploy(String user, String ref) {
        return ApiClient.start(user, "/api/targets/shop/deployments", Map.of("gitRef", ref));
    }

    /** {@code GET /api/approvals} as {@code user}. */
    private static JsonPath approvals(String user) {
        return given().auth()
                .preemptive()
                .basic(user, user + "-pw")
                .get("/api/approvals")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }
}

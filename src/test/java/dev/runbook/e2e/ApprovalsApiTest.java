package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureApp;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code GET /api/approvals} and Tasklist's form (through {@code /engine-rest}, as Tasklist calls it): the release
 * context an approver decides on (commits, subjects, changed files, database migration, deadline) and the plan, which
 * must be exactly what the run then executes. Target {@code shop} is a real git + npm + PM2 target; {@code shopdb}
 * has a database and a migrate command (its requests are only looked at and rejected).
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApprovalsApiTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("approvals-shop-backend");

    @RegisterExtension
    static final FixtureTarget shopdb = new FixtureTarget("approvals-shopdb-backend");

    static final String DB_PASSWORD = "db-s3cret-pw";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, true);
        shopdb.properties(true).forEach((key, value) -> {
            if (key.startsWith("runbook.targets.shop.")) {
                registry.add(key.replace("runbook.targets.shop.", "runbook.targets.shopdb."), () -> value);
            }
        });
        registry.add("runbook.targets.shopdb.database.kind", () -> "postgresql");
        registry.add(
                "runbook.targets.shopdb.database.uri",
                () -> "postgresql://shop:" + DB_PASSWORD + "@127.0.0.1:5432/shop");
        List<String> migrate = List.of("npm", "run", "migrate");
        for (int i = 0; i < migrate.size(); i++) {
            String word = migrate.get(i);
            registry.add("runbook.targets.shopdb.components.backend.migrate[" + i + "]", () -> word);
        }
    }

    private static JsonPath approval(String taskId) {
        JsonPath all =
                as("bob").get("/api/approvals").then().statusCode(200).extract().jsonPath();
        return new JsonPath(all.prettify()).setRootPath("find { it.taskId == '" + taskId + "' }");
    }

    @Test
    @Order(1)
    void shouldShowTheReleaseContextAndPlanThatTheRunThenExecutes() {
        new FixtureApp(shop).serveRelease(); // serving its checked-out release, so the first backup holds it
        String serving = shop.head();
        String tip = shop.publishCommits(
                "two-changes",
                List.of(
                        Map.of("backend/notes.txt", "first", "README.md", "read me"),
                        Map.of("backend/more-notes.txt", "second")));
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "two-changes"));
        String taskId = awaitApproval(runId);

        JsonPath approval = approval(taskId);
        assertThat(approval.getString("processKey")).isEqualTo("deploy");
        assertThat(approval.getString("target")).isEqualTo("shop");
        assertThat(approval.getString("requestedBy")).isEqualTo("alice");
        assertThat(approval.getString("fromCommit")).isEqualTo(serving);
        assertThat(approval.getString("fromSubject")).isEqualTo("Release v2");
        assertThat(approval.getString("toCommit")).isEqualTo(tip);
        assertThat(approval.getString("toSubject")).isEqualTo("two-changes: change 2");
        assertThat(approval.getLong("commitCount")).isEqualTo(2);
        assertThat(approval.getList("commits.subject"))
                .containsExactly("two-changes: change 2", "two-changes: change 1");
        assertThat(approval.getList("commits.author")).containsOnly("Test");
        assertThat(approval.getString("commits[0].sha")).isEqualTo(tip);
        assertThat(approval.getMap("changedFiles")).isEqualTo(Map.of("backend", 2, "(other)", 1));
        assertThat(approval.getBoolean("databaseMigration")).isFalse();
        assertThat(approval.getString("releaseBackup")).contains("kept as it is");
        assertThat(Duration.between(
                        Instant.parse(approval.getString("createdAt")), Instant.parse(approval.getString("deadline"))))
                .isBetween(
                        Duration.ofMinutes(59).plusSeconds(50),
                        Duration.ofMinutes(60).plusSeconds(10));
        assertThat(approval.getString("url")).endsWith("/camunda/app/tasklist/default/#/?task=" + taskId);
        assertThat(approval.getString("runUrl")).endsWith("/runs/" + runId);

        List<Map<String, Object>> plan = approval.getList("plan");
        assertThat(plan)
                .extracting(step -> step.get("activityId"))
                .containsExactly(
                        "Task_PrepareRelease",
                        "Task_InstallAndBuild",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "Task_RecordRelease",
                        "Task_PruneReleases");
        assertThat(approval.getString("plan.find { it.activityId == 'Task_PrepareRelease' }.note"))
                .contains(tip.substring(0, 12), "releases/");
        assertThat(approval.getList("plan.find { it.activityId == 'Task_InstallAndBuild' }.commands.command"))
                .containsExactly("npm ci", "npm run build");
        assertThat(approval.getList("plan.find { it.activityId == 'Task_HealthCheck' }.commands.command", String.class))
                .satisfiesExactly(
                        get -> assertThat(get).isEqualTo("GET " + shop.healthUrl()),
                        save -> assertThat(save).endsWith("pm2 save --force"));

        submitForm("bob", taskId, true, "looks good").then().statusCode(204);
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(run.getString("approval.decidedBy")).isEqualTo("bob");
        assertThat(run.getString("approval.comment")).isEqualTo("looks good");
        assertThat(run.getList("path"))
                .contains("StartEvent_DeployRequested", "Task_ApproveRelease", "Gateway_Approved", "EndEvent_Deployed")
                .doesNotContain("EndEvent_Rejected");

        for (Map<String, Object> step : plan) {
            @SuppressWarnings("unchecked")
            List<Map<String, String>> commands = (List<Map<String, String>>) step.get("commands");
            for (Map<String, String> command : commands) {
                String expected = command.get("dir") == null
                        ? command.get("command")
                        : "$ " + command.get("command") + "   (in " + command.get("dir") + ")";
                assertThat(stepLog(runId, (String) step.get("activityId")))
                        .as("%s ran as planned", step.get("activityId"))
                        .contains(expected);
            }
        }
    }

    @Test
    @Order(2)
    void shouldShowTheContextInTasklistsFormAndKeepFourEyesThere() {
        String runId = start("carol", "/api/targets/shop/deployments", Map.of("gitRef", "v1"));
        String taskId = awaitApproval(runId);

        JsonPath form = as("bob")
                .get("/engine-rest/task/" + taskId + "/form-variables")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(form.getMap("$").keySet())
                .contains(
                        "approved",
                        "approvalComment",
                        "fromSubject",
                        "toSubject",
                        "commitCount",
                        "commitsText",
                        "changedFiles",
                        "databaseMigration",
                        "releaseBackup",
                        "planText",
                        "requestedBy",
                        "promotion");
        assertThat(form.getString("planText.value"))
                .contains(shop.sha("v1").substring(0, 12), "npm ci", "startOrReload", "--cwd");
        assertThat(form.getString("toSubject.value")).isEqualTo("Release v1");
        assertThat(form.getString("requestedBy.value")).isEqualTo("carol");

        Response own = submitForm("carol", taskId, true, "mine");
        assertThat(own.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(own.asString()).contains("four eyes");
        submitForm("bob", taskId, false, "not now").then().statusCode(204);
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("REJECTED");
    }

    @Test
    @Order(3)
    void shouldShowTheCommitsARollbackTakesAwayAndAPlanWithoutBuilding() {
        String runId = start("alice", "/api/targets/shop/rollbacks", Map.of());
        String taskId = awaitApproval(runId);

        JsonPath approval = approval(taskId);
        assertThat(approval.getString("processKey")).isEqualTo("rollback");
        assertThat(approval.getString("backupId")).isNotBlank();
        assertThat(approval.getString("toCommit")).isEqualTo(shop.sha("v2"));
        assertThat(approval.getLong("commitCount")).isEqualTo(2);
        assertThat(approval.getList("commits.subject"))
                .containsExactly("two-changes: change 2", "two-changes: change 1");
        assertThat(approval.getList("plan.activityId"))
                .containsExactly("Task_SwitchRelease", "Task_Pm2Reload", "Task_HealthCheck", "Task_RecordRelease");
        assertThat(approval.getList("plan.commands.command").toString()).doesNotContain("npm", "git");
        decide("bob", taskId, false).then().statusCode(204);
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("REJECTED");
    }

    @Test
    @Order(4)
    void shouldShowADatabaseMigrationAndBackupOnlyForADeployToATargetWithADatabase() {
        String deploy = start("alice", "/api/targets/shopdb/deployments", Map.of("gitRef", "v1"));
        String deployTask = awaitApproval(deploy);
        JsonPath approval = approval(deployTask);
        assertThat(approval.getBoolean("databaseMigration")).isTrue();
        assertThat(approval.getBoolean("databaseBackup")).isTrue();
        assertThat(as("bob").get("/api/approvals").asString()).doesNotContain(DB_PASSWORD);
        decide("bob", deployTask, false).then().statusCode(204);
        awaitEnd(deploy);

        String update = start("alice", "/api/targets/shopdb/updates", Map.of("gitRef", "v1", "components", "backend"));
        String updateTask = awaitApproval(update);
        assertThat(approval(updateTask).getBoolean("databaseMigration")).isFalse();
        decide("bob", updateTask, false).then().statusCode(204);
        awaitEnd(update);
    }

    /** Completes the task as Tasklist's generated form does ({@code POST /engine-rest/task/{id}/submit-form}). */
    private static Response submitForm(String user, String taskId, boolean approved, String comment) {
        return as(user).contentType(ContentType.JSON)
                .body(Map.of(
                        "variables",
                        Map.of(
                                "approved", Map.of("value", approved, "type", "Boolean"),
                                "approvalComment", Map.of("value", comment, "type", "String"))))
                .post("/engine-rest/task/" + taskId + "/submit-form");
    }
}

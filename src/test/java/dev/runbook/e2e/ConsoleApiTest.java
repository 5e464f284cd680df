package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the console's forms read before anything is requested: the remote's branches and tags for the ref picker
 * (newest first, with commit subjects) and the plan preview of a deploy, an update and a rollback, with their
 * refusals of bad input.
 */
class ConsoleApiTest extends SecuredPlatform {

    @Test
    void shouldListTheRemotesRefsNewestFirstAndPreviewThePlansOfADeployAnUpdateAndARollback() {
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v1"));
        decide("bob", awaitApproval(runId), true).then().statusCode(204);
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("DEPLOYED");
        String tip = shop.publish("console-picker", Map.of("backend/notes.txt", "newest"));

        // the picker shows what the platform fetched last: the new branch comes with the next fetch
        JsonPath refs = as("alice")
                .get("/api/targets/shop/refs")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        List<String> names = refs.getList("name");
        assertThat(names).contains("v1", "v2", "v3-broken").doesNotContain("console-picker");
        assertThat(refs.getString("find { it.name == 'v2' }.kind")).isEqualTo("tag");
        assertThat(refs.getString("find { it.name == 'v2' }.commit")).isEqualTo(shop.sha("v2"));
        assertThat(refs.getString("find { it.name == 'v2' }.subject")).isNotBlank();
        List<String> dates = refs.getList("date");
        assertThat(dates)
                .isSortedAccordingTo(
                        (a, b) -> java.time.OffsetDateTime.parse(b).compareTo(java.time.OffsetDateTime.parse(a)));

        String newestRun = as("alice").get("/api/runs?target=shop&limit=1").path("[0].runId");
        JsonPath deploy = as("alice")
                .get("/api/targets/shop/plan?processKey=deploy&gitRef=v2")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(deploy.getString("commit")).isEqualTo(shop.sha("v2"));
        assertThat(deploy.getString("servingCommit")).isEqualTo(shop.sha("v1"));
        assertThat(deploy.getBoolean("approvalRequired")).isTrue();
        assertThat(deploy.getList("steps.activityId", String.class))
                .containsSubsequence("Task_PrepareRelease", "Task_InstallAndBuild", "Task_HealthCheck");
        assertThat(deploy.getString("steps.find { it.activityId == 'Task_InstallAndBuild' }.commands.command"))
                .contains("npm ci", "npm run build");
        // a preview starts nothing
        assertThat(as("alice").get("/api/runs?target=shop&limit=1").<String>path("[0].runId"))
                .isEqualTo(newestRun);

        as("alice")
                .get("/api/targets/shop/plan?processKey=update&gitRef=v2&components=backend")
                .then()
                .statusCode(200)
                .body("processKey", org.hamcrest.Matchers.equalTo("update"));
        as("alice")
                .get("/api/targets/shop/plan?gitRef=" + tip.substring(0, 7) + "-not-fetched")
                .then()
                .statusCode(404)
                .body("detail", containsString("last fetch"));
        as("alice")
                .get("/api/targets/shop/plan?gitRef=--upload-pack=touch")
                .then()
                .statusCode(400);
        as("alice")
                .get("/api/targets/shop/plan?processKey=update&gitRef=v2&components=nope")
                .then()
                .statusCode(400);
        as("alice")
                .get("/api/targets/shop/plan?processKey=rollback&releaseId=no-such-release")
                .then()
                .statusCode(404);
        as("bob").get("/api/targets/shop/plan?gitRef=v2").then().statusCode(403);

        as("alice")
                .get("/api/targets/shop/plan?processKey=rollback&releaseId=" + shop.currentRelease())
                .then()
                .statusCode(409)
                .body("detail", containsString("serves already"));
    }
}

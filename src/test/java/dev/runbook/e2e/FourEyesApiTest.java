package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.runbook.testsupport.WebappSession;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Four eyes held by the engine on every path (the platform's /api, Camunda's /engine-rest and Tasklist's REST
 * with a webapp session), and a decision made twice at the same moment taken once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class FourEyesApiTest extends SecuredPlatform {

    static final String DEPLOYMENTS = "/api/targets/shop/deployments";

    @Test
    @Order(0)
    void shouldKeepAClaimedApprovalListedAndDecidableAndNeverClaimedByItsRequester() {
        String runId = start("alice", DEPLOYMENTS, Map.of("gitRef", "v1"));
        String taskId = awaitApproval(runId);

        // the requester cannot claim it, nor be assigned it
        Response own = as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of("userId", "alice"))
                .post("/engine-rest/task/" + taskId + "/claim");
        assertThat(own.statusCode()).as(own.asString()).isEqualTo(403);
        Response assigned = as("admin")
                .contentType(ContentType.JSON)
                .body(Map.of("userId", "alice"))
                .post("/engine-rest/task/" + taskId + "/assignee");
        assertThat(assigned.statusCode()).as(assigned.asString()).isEqualTo(403);
        assertThat(assigned.asString()).contains("alice requested this run and cannot claim its approval");

        // bob claims it in Tasklist: still listed for him and for carol, marked, and in the Tasklist filter
        WebappSession bob = new WebappSession();
        bob.login("tasklist", "bob", "bob-pw").then().statusCode(200);
        bob.api()
                .contentType(ContentType.JSON)
                .body(Map.of("userId", "bob"))
                .post("/camunda/api/engine/engine/default/task/" + taskId + "/claim")
                .then()
                .statusCode(204);
        for (String approver : List.of("bob", "carol")) {
            List<Map<String, Object>> listed = as(approver)
                    .get("/api/approvals")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath()
                    .getList("findAll { it.taskId == '" + taskId + "' }");
            assertThat(listed)
                    .as(approver)
                    .singleElement()
                    .satisfies(
                            a -> assertThat(a).containsEntry("claimedBy", "bob").containsEntry("direction", "FORWARD"));
        }
        String filterId = as("carol")
                .get("/engine-rest/filter?name=Approvals")
                .then()
                .statusCode(200)
                .extract()
                .path("[0].id");
        assertThat(as("carol")
                        .get("/engine-rest/filter/" + filterId + "/list")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("id"))
                .contains(taskId);

        // carol, who did not claim it, decides it
        decide("carol", taskId, true).then().statusCode(204);
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("decidedBy")).isEqualTo("carol");
        assertThat(run.getBoolean("approved")).isTrue();
    }

    @Test
    @Order(1)
    void shouldRefuseTheRequestersOwnDecisionOnEveryPath(CapturedOutput output) {
        String runId = start("carol", DEPLOYMENTS, Map.of("gitRef", "v1"));
        String taskId = awaitApproval(runId);

        decide("carol", taskId, true)
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("four eyes"));

        decide("alice", taskId, true)
                .then()
                .statusCode(403)
                .body("detail", containsString("alice is not in a group that may call POST /api/approvals/**"));

        Response engineRest = as("carol")
                .contentType(ContentType.JSON)
                .body(form(true))
                .post("/engine-rest/task/" + taskId + "/complete");
        assertThat(engineRest.statusCode()).as(engineRest.asString()).isEqualTo(403);
        assertThat(engineRest.asString()).contains("four eyes");
        as("alice")
                .contentType(ContentType.JSON)
                .body(form(true))
                .post("/engine-rest/task/" + taskId + "/complete")
                .then()
                .statusCode(403);

        WebappSession carol = new WebappSession();
        carol.login("tasklist", "carol", "carol-pw").then().statusCode(200);
        Response tasklist = carol.api()
                .contentType(ContentType.JSON)
                .body(form(true))
                .post("/camunda/api/engine/engine/default/task/" + taskId + "/submit-form");
        assertThat(tasklist.statusCode()).as(tasklist.asString()).isBetween(400, 599);
        assertThat(tasklist.asString()).contains("four eyes");

        assertThat(as("alice")
                        .get("/api/runs/" + runId)
                        .then()
                        .extract()
                        .path("state")
                        .toString())
                .isEqualTo("WAITING_FOR_APPROVAL");

        WebappSession bob = new WebappSession();
        bob.login("tasklist", "bob", "bob-pw").then().statusCode(200);
        bob.api()
                .contentType(ContentType.JSON)
                .body(form(false))
                .post("/camunda/api/engine/engine/default/task/" + taskId + "/submit-form")
                .then()
                .statusCode(204);
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("REJECTED");
        assertThat(run.getString("approvedBy")).isEqualTo("bob");
        assertThat(run.getString("decidedBy")).isEqualTo("bob");
        assertThat(run.getBoolean("approved")).isFalse();
        List<Map<String, Object>> decisions = as("admin")
                .get("/api/audit/events?runId=" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.findAll { it.action in ['APPROVE', 'REJECT'] }");
        assertThat(decisions)
                .singleElement()
                .satisfies(d -> assertThat(d).containsEntry("action", "REJECT").containsEntry("userId", "bob"));

        // each refusal is in the audit trail with who, what and why, and in the log in one line
        List<Map<String, Object>> refusals = as("admin")
                .get("/api/audit/events?runId=" + runId + "&action=REFUSE")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items");
        assertThat(refusals)
                .filteredOn(r -> "carol".equals(r.get("userId")))
                .hasSize(3)
                .allSatisfy(r -> assertThat(r)
                        .containsEntry("outcome", "FOUR_EYES")
                        .containsEntry("target", "shop")
                        .containsEntry("refs", "decide approval " + taskId)
                        .hasEntrySatisfying(
                                "detail", d -> assertThat((String) d).contains("four eyes")));
        as("admin")
                .get("/api/audit/events?user=alice&action=REFUSE&size=1")
                .then()
                .statusCode(200)
                .body("items[0].outcome", equalTo("NOT_ALLOWED"))
                .body("items[0].refs", equalTo("POST /api/approvals/" + taskId));
        assertThat(output.getAll())
                .contains("refused decide approval " + taskId + " to carol: four eyes")
                .doesNotContain("ENGINE-16004 Exception while closing command context: ENGINE-03051");
    }

    @Test
    @Order(2)
    void shouldTakeOneOfTwoSimultaneousDecisionsAndRunOnce() throws Exception {
        for (int round = 0; round < 4; round++) {
            String rejected = start("alice", DEPLOYMENTS, Map.of("gitRef", "v1"));
            assertThat(decideTogether(awaitApproval(rejected), false))
                    .as("round %d", round)
                    .containsExactlyInAnyOrder(204, 409);
            assertThat(awaitEnd(rejected).getString("outcome")).isEqualTo("REJECTED");
            // the second decision is refused as decided already, and audited
            assertThat(actions(rejected)).containsExactlyInAnyOrder("START", "REJECT", "END", "REFUSE");
        }

        String runId = start("alice", DEPLOYMENTS, Map.of("gitRef", "v1"));
        String taskId = awaitApproval(runId);
        assertThat(decideTogether(taskId, true)).containsExactlyInAnyOrder(204, 409);
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(run.getList("steps.activityId", String.class))
                .containsOnlyOnce("Task_PrepareRelease", "Task_InstallAndBuild", "Task_SwitchRelease");
        assertThat(actions(runId)).containsExactlyInAnyOrder("START", "APPROVE", "END", "REFUSE");
        decide("bob", taskId, true).then().statusCode(409);
    }

    @Test
    @Order(3)
    void shouldRefuseADecisionThatChangesWhatWasApprovedOrWhoAskedForIt() {
        String runId = start("carol", DEPLOYMENTS, Map.of("gitRef", "v1"));
        String taskId = awaitApproval(runId);
        String pinned = as("alice").get("/api/runs/" + runId).then().extract().path("targetCommit");
        String other = "0".repeat(40);

        Response swapCommit = as("bob")
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "variables", Map.of("approved", Map.of("value", true), "targetCommit", Map.of("value", other))))
                .post("/engine-rest/task/" + taskId + "/complete");
        assertThat(swapCommit.statusCode()).as(swapCommit.asString()).isEqualTo(403);
        assertThat(swapCommit.asString()).contains("changed after it was requested (targetCommit)");

        Response ownRun = as("carol")
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "variables", Map.of("approved", Map.of("value", true), "requestedBy", Map.of("value", "bob"))))
                .post("/engine-rest/task/" + taskId + "/complete");
        assertThat(ownRun.statusCode()).as(ownRun.asString()).isEqualTo(403);

        // a variable changed before the decision is caught too
        as("bob")
                .contentType(ContentType.JSON)
                .body(Map.of("value", other))
                .put("/engine-rest/task/" + taskId + "/variables/targetCommit");
        assertThat(as("bob")
                        .contentType(ContentType.JSON)
                        .body(form(true))
                        .post("/engine-rest/task/" + taskId + "/complete")
                        .statusCode())
                .isEqualTo(403);
        as("admin")
                .contentType(ContentType.JSON)
                .body(Map.of("value", pinned))
                .put("/engine-rest/process-instance/" + runId + "/variables/targetCommit")
                .then()
                .statusCode(204);

        Response notABoolean = as("bob")
                .contentType(ContentType.JSON)
                .body(Map.of("variables", Map.of("approved", Map.of("value", "nope", "type", "String"))))
                .post("/engine-rest/task/" + taskId + "/complete");
        assertThat(notABoolean.statusCode()).as(notABoolean.asString()).isEqualTo(400);
        as("alice")
                .get("/api/runs/" + runId)
                .then()
                .statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("WAITING_FOR_APPROVAL"));

        as("bob")
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "variables",
                        Map.of(
                                "approved", Map.of("value", false),
                                "approvalComment", Map.of("value", "no: password=hunter5 ok"))))
                .post("/engine-rest/task/" + taskId + "/complete")
                .then()
                .statusCode(204);
        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("REJECTED");
        assertThat(run.getString("targetCommit")).isEqualTo(pinned);
        assertThat(run.getString("approval.comment")).contains("no:").doesNotContain("hunter5");
    }

    /** bob and carol decide the same approval at the same moment; returns both statuses. */
    private static List<Integer> decideTogether(String taskId, boolean approved) throws Exception {
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Response>> decisions = new ArrayList<>();
            for (String approver : List.of("bob", "carol")) {
                decisions.add(pool.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return decide(approver, taskId, approved);
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Response> decision : decisions) {
                Response response = decision.get(60, TimeUnit.SECONDS);
                statuses.add(response.statusCode());
                if (response.statusCode() == 409) {
                    response.then()
                            .contentType("application/problem+json")
                            .body("detail", containsString("already been decided"));
                }
            }
            return statuses;
        } finally {
            pool.shutdown();
        }
    }

    private static List<String> actions(String runId) {
        return as("admin")
                .get("/api/audit/events?runId=" + runId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.action", String.class);
    }

    private static Map<String, Object> form(boolean approved) {
        return Map.of(
                "variables",
                Map.of(
                        "approved", Map.of("value", approved, "type", "Boolean"),
                        "approvalComment", Map.of("value", "four eyes test", "type", "String")));
    }
}

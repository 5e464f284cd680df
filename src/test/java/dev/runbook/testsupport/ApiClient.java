package dev.runbook.testsupport;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.awaitility.Awaitility;

/** REST calls the end-to-end tests share; every user's password is {@code <user>-pw} (see FixtureTarget). */
public final class ApiClient {

    private ApiClient() {}

    public static RequestSpecification as(String user) {
        return given().auth().preemptive().basic(user, user + "-pw");
    }

    /** POSTs a start request, expects 202 with a Location, returns the run id. */
    public static String start(String user, String path, Object body) {
        return as(user).contentType(ContentType.JSON)
                .body(body)
                .post(path)
                .then()
                .log()
                .ifValidationFails()
                .statusCode(202)
                .header("Location", containsString("/api/runs/"))
                .extract()
                .path("runId");
    }

    public static Response decide(String user, String taskId, boolean approved) {
        return as(user).contentType(ContentType.JSON)
                .body(Map.of("approved", approved, "comment", "by test"))
                .post("/api/approvals/" + taskId);
    }

    /** Waits until the run waits for an approval that bob may decide; returns the task id. */
    public static String awaitApproval(String runId) {
        return awaitApproval(runId, "bob");
    }

    /** Waits until the run's approval is listed for {@code approver} and returns its task id. */
    public static String awaitApproval(String runId, String approver) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            List<Map<String, Object>> approvals = as(approver)
                                    .get("/api/approvals")
                                    .then()
                                    .statusCode(200)
                                    .extract()
                                    .jsonPath()
                                    .getList("$");
                            return approvals.stream()
                                    .filter(a -> runId.equals(a.get("runId")))
                                    .map(a -> (String) a.get("taskId"))
                                    .findFirst()
                                    .orElse(null);
                        },
                        Objects::nonNull);
    }

    /** Waits (at most 2 minutes) until the run has ended (or stopped at an incident); returns it. */
    public static JsonPath awaitEnd(String runId) {
        return awaitEnd(runId, Duration.ofSeconds(120));
    }

    /** Waits (at most {@code within}) until the run has ended (or stopped at an incident); returns it. */
    public static JsonPath awaitEnd(String runId, Duration within) {
        return Awaitility.await()
                .atMost(within)
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> as("alice")
                                .get("/api/runs/" + runId)
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath(),
                        run -> "ENDED".equals(run.getString("state")) || "INCIDENT".equals(run.getString("state")));
    }

    public static String stepLog(String runId, String activityId) {
        return as("alice")
                .get("/api/runs/" + runId + "/steps/" + activityId + "/log")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    /**
     * A deploy of a commit whose backend build waits until {@code gate} exists and then fails: approved, it holds the
     * target while it builds; once the gate opens it ends ROLLED_BACK having changed nothing that serves.
     */
    public static String heldInItsBuild(FixtureTarget shop, Path gate) {
        String branch = "held-" + gate.getParent().getFileName();
        shop.publish(branch, Map.of("backend/build.js", """
                const fs = require('fs');
                const until = Date.now() + 90000;
                setInterval(() => {
                  if (fs.existsSync(%s) || Date.now() > until) process.exit(1);
                }, 50);
                """.formatted(jsString(gate.toString()))));
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", branch));
        decide("bob", awaitApproval(runId), true).then().statusCode(204);
        awaitStepRunning(runId, "Task_InstallAndBuild", Duration.ofSeconds(60));
        return runId;
    }

    /** Waits (at most {@code within}) until step {@code activityId} of the run is RUNNING. */
    public static void awaitStepRunning(String runId, String activityId, Duration within) {
        Awaitility.await()
                .atMost(within)
                .until(
                        () -> as("alice").get("/api/runs/" + runId).jsonPath().getList("steps", Map.class),
                        steps -> steps.stream()
                                .anyMatch(step -> activityId.equals(step.get("activityId"))
                                        && "RUNNING".equals(step.get("outcome"))));
    }

    private static String jsString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Waits (at most 30 s) until {@code host}'s entry in {@code /actuator/health} has {@code status}. */
    public static void awaitHostStatus(String host, String status) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> as("admin")
                                .get("/actuator/health")
                                .jsonPath()
                                .getString("components.hosts.components.'" + host + "'.status"),
                        status::equals);
    }
}

package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table of bad inputs per endpoint and the answer each must get: the status, problem+json with a clear
 * {@code detail}, and never a stack trace, class name or secret. Nothing here may start a run.
 */
class InputValidationApiTest extends SecuredPlatform {

    static final String JSON = "application/json";
    static final String LONG = "a".repeat(65);

    /** One bad request: who sends it, how, and what must come back. */
    record Case(String user, String method, String path, String contentType, String body, int status, String detail) {}

    static final List<Case> CASES = List.of(
            new Case("alice", "POST", "/api/targets/shop!/deployments", JSON, "{}", 400, "target: must match"),
            new Case("alice", "POST", "/api/targets/" + LONG + "/deployments", JSON, "{}", 400, "target: must match"),
            new Case("alice", "POST", "/api/targets/nowhere/deployments", JSON, "{}", 404, "nowhere"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\"--upload-pack=touch x\"}",
                    400,
                    "invalid git ref"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\"v1;rm -rf /\"}",
                    400,
                    "invalid git ref"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\"" + "a".repeat(201) + "\"}",
                    400,
                    "gitRef: size must be between 0 and 200"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitref\":\"v1\"}",
                    400,
                    "unknown field 'gitref'"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":[\"v1\"]}",
                    400,
                    "field 'gitRef'"),
            new Case("alice", "POST", "/api/targets/shop/deployments", JSON, "{\"gitRef\":", 400, "not valid JSON"),
            new Case("alice", "POST", "/api/targets/shop/deployments", "text/plain", "v1", 415, "Content-Type"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\"" + "v".repeat(70_000) + "\"}",
                    413,
                    "larger than"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"components\":\"backend;rm\"}",
                    400,
                    "invalid components"),
            new Case("alice", "POST", "/api/targets/shop/updates", JSON, "{}", 400, "components is required"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/updates",
                    JSON,
                    "{\"components\":\"database\"}",
                    400,
                    "unknown component 'database'"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/restarts",
                    JSON,
                    "{\"components\":\"$(id)\"}",
                    400,
                    "invalid components"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/rollbacks",
                    JSON,
                    "{\"backupId\":\"../../etc\"}",
                    400,
                    "invalid release id"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/rollbacks",
                    JSON,
                    "{\"backupId\":\"" + LONG + "\"}",
                    400,
                    "backupId: size must be between 0 and 64"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/rollbacks",
                    JSON,
                    "{\"backupId\":\"20200101_000000\"}",
                    404,
                    "has no release"),
            new Case("alice", "GET", "/api/targets/shop/services/bad%20app/logs", null, null, 400, "app: must match"),
            new Case(
                    "alice",
                    "GET",
                    "/api/targets/shop/services/x/logs?lines=0",
                    null,
                    null,
                    400,
                    "lines: must be greater than or equal to 1"),
            new Case(
                    "alice",
                    "GET",
                    "/api/targets/shop/services/x/logs?lines=1001",
                    null,
                    null,
                    400,
                    "lines: must be less than or equal to 1000"),
            new Case("alice", "GET", "/api/targets/shop/services/x/logs?lines=ten", null, null, 400, "lines"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/services/" + "x" + "/delete",
                    null,
                    null,
                    400,
                    "unknown action"),
            new Case("alice", "GET", "/api/runs/not%20a%20run", null, null, 400, "runId: must match"),
            new Case("alice", "GET", "/api/runs/" + LONG, null, null, 400, "runId: must match"),
            new Case("alice", "GET", "/api/runs?state=BOGUS", null, null, 400, "state: must match"),
            new Case("alice", "GET", "/api/runs?limit=0", null, null, 400, "limit"),
            new Case("alice", "GET", "/api/runs?target=a%20b", null, null, 400, "target: must match"),
            new Case("alice", "GET", "/api/runs/abc/steps/1bad/log", null, null, 400, "activityId: must match"),
            new Case("alice", "GET", "/api/runs/unknown-run", null, null, 404, "no run with id"),
            new Case("bob", "POST", "/api/approvals/bad%20id", JSON, "{\"approved\":true}", 400, "taskId: must match"),
            new Case("bob", "POST", "/api/approvals/abc", JSON, "{}", 400, "approved: must not be null"),
            new Case("bob", "POST", "/api/approvals/abc", JSON, "{\"approved\":\"maybe\"}", 400, "field 'approved'"),
            new Case("bob", "POST", "/api/approvals/abc", JSON, "{\"approved\":1}", 400, "field 'approved'"),
            new Case("bob", "POST", "/api/approvals/abc", JSON, "{\"approved\":\"false\"}", 400, "field 'approved'"),
            new Case("alice", "POST", "/api/targets/shop/deployments", JSON, "{\"gitRef\":1}", 400, "field 'gitRef'"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\"v1\"} trailing {",
                    400,
                    null),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\".hidden\"}",
                    400,
                    "invalid git ref"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"gitRef\":\"a/.b\"}",
                    400,
                    "invalid git ref"),
            new Case(
                    "alice",
                    "POST",
                    "/api/targets/shop/deployments",
                    JSON,
                    "{\"components\":\",\"}",
                    400,
                    "empty component name"),
            new Case(
                    "bob",
                    "POST",
                    "/api/approvals/abc",
                    JSON,
                    "{\"approved\":true,\"comment\":\"" + "c".repeat(2001) + "\"}",
                    400,
                    "comment: size must be"),
            new Case("bob", "POST", "/api/approvals/abc", JSON, "{\"approved\":true}", 404, "no approval with id"),
            new Case("bob", "POST", "/api/approvals/abc", null, null, 415, "Content-Type"),
            new Case("admin", "GET", "/api/audit/events?from=yesterday", null, null, 400, "from"),
            new Case("admin", "GET", "/api/audit/events?action=DELETE", null, null, 400, "action: must match"),
            new Case("admin", "GET", "/api/audit/events?size=1000", null, null, 400, "size"),
            new Case("admin", "GET", "/api/audit/events?page=-1", null, null, 400, "page"),
            new Case("admin", "GET", "/api/audit/events?user=a%20b", null, null, 400, "user: must match"),
            new Case(
                    "admin",
                    "GET",
                    "/api/audit/events?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
                    null,
                    null,
                    400,
                    "from must be before to"),
            new Case("admin", "GET", "/api/audit/logins?success=perhaps", null, null, 400, "success"),
            new Case("admin", "DELETE", "/api/audit/events", null, null, 405, "not supported"));

    @Test
    void shouldAnswerEveryBadInputWithAClearProblemAndNoInternals() {
        List<String> wrong = new ArrayList<>();
        for (Case bad : CASES) {
            RequestSpecification request = as(bad.user()).urlEncodingEnabled(false);
            if (bad.contentType() != null) {
                request = request.contentType(bad.contentType()).body(bad.body());
            }
            Response response = request.request(bad.method(), bad.path());
            String body = response.asString();
            String problem = bad.method() + " "
                    + bad.path().substring(0, Math.min(bad.path().length(), 80)) + " -> " + response.statusCode() + " "
                    + body.substring(0, Math.min(body.length(), 300));
            if (response.statusCode() != bad.status()
                    || !String.valueOf(response.contentType()).startsWith("application/problem+json")
                    || bad.detail() != null
                            && !String.valueOf(response.jsonPath().getString("detail"))
                                    .contains(bad.detail())
                    || body.contains("Exception")
                    || body.contains("dev.runbook")
                    || body.contains("java.")
                    || body.contains("\tat ")
                    || body.contains(DB_PASSWORD)) {
                wrong.add(problem);
            }
        }
        assertThat(wrong).isEmpty();
        as("alice").get("/api/runs?target=shop&state=RUNNING").then().statusCode(200);
    }
}

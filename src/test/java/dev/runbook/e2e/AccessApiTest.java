package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.runbook.security.ApplicationProcessEngineProvider;
import dev.runbook.testsupport.WebappSession;
import dev.runbook.web.StartupLine;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.ProcessEngines;
import org.camunda.bpm.engine.rest.util.EngineUtil;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Who gets in and what each group may do: 401 for every kind of bad credential (all alike), the allowed and refused
 * calls of operators, approvers and administrators on /api, /engine-rest and the webapps, the login log with the
 * client address from a trusted proxy, and the lockout of one user that leaves the others alone.
 */
class AccessApiTest extends SecuredPlatform {

    @Autowired
    StartupLine startupLine;

    @Autowired
    ProcessEngine engine;

    @Test
    void shouldAnswerTheSame401ForMissingMalformedUnknownAndWrongCredentials() throws InterruptedException {
        List<RequestSpecification> attempts = List.of(
                given(),
                given().header("Authorization", "Basic !!!not-base64"),
                given().header("Authorization", "Bearer abc"),
                given().auth().preemptive().basic("nobody", "nobody-pw"),
                given().auth().preemptive().basic("erin", "wrong-pw"),
                given().header(
                                "Authorization",
                                "Basic "
                                        + java.util.Base64.getEncoder()
                                                .encodeToString(
                                                        "erin:".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        List<String> bodies = new ArrayList<>();
        for (RequestSpecification attempt : attempts) {
            Response response = attempt.get("/api/targets");
            response.then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Basic realm="));
            bodies.add(response.asString());
        }
        assertThat(bodies).containsOnly(bodies.get(0));
        Thread.sleep(1_100); // erin failed twice: her next attempt is slowed
        as("erin").get("/api/targets").then().statusCode(200);
    }

    @Test
    void shouldRequireSignInEverywhereButHealthAndTheWebappLogin() {
        for (String path : List.of(
                "/api/runs",
                "/api/audit/events",
                "/engine-rest/process-definition",
                "/engine-rest/identity/groups?userId=alice",
                "/v3/api-docs",
                "/swagger-ui.html",
                "/actuator/info",
                "/actuator/health/liveness",
                "/some/page",
                "/api/%61udit/events")) {
            given().urlEncodingEnabled(false).get(path).then().statusCode(401);
        }
        given().get("/actuator/health")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("components", org.hamcrest.Matchers.nullValue());
        given().get("/camunda/app/tasklist/default/").then().statusCode(200);
        given().contentType(ContentType.JSON)
                .body(Map.of("profile", Map.of("id", "mallory"), "credentials", Map.of("password", "mallory-pw")))
                .post("/camunda/api/admin/setup/default/user/create")
                .then()
                .statusCode(401);
    }

    @Test
    void shouldGreetANewUserWithTheConsoleTheApiDocumentationAndAStartUpLine() {
        given().redirects().follow(false).get("/").then().statusCode(302).header("Location", endsWith("/targets"));
        as("alice")
                .get("/v3/api-docs")
                .then()
                .statusCode(200)
                .body("info.title", equalTo("Runbook Platform API"))
                .body("components.securitySchemes.basic.scheme", equalTo("basic"))
                .body("security[0].basic", org.hamcrest.Matchers.notNullValue())
                .body("tags.name", org.hamcrest.Matchers.hasItems("Targets", "Runs", "Approvals", "Audit"))
                .body("paths.'/api/approvals'.get.tags[0]", equalTo("Approvals"));
        assertThat(startupLine.line())
                .contains("/login", "/swagger-ui/index.html", "/camunda/app/")
                .contains("alice (operators)", "bob (approvers)")
                .doesNotContain("alice-pw");
    }

    @Test
    void shouldRefuseAStateChangingRequestAPageOfAnotherSiteMakesABrowserSend() {
        // what a browser sends for a form on https://evil.example posting here with alice's cached credentials
        as("alice")
                .header("Origin", "https://evil.example")
                .contentType(ContentType.URLENC)
                .formParam("gitRef", "v1")
                .post("/api/targets/shop/restarts")
                .then()
                .statusCode(403)
                .body("detail", containsString("another site"));
        as("alice")
                .header("Sec-Fetch-Site", "cross-site")
                .post("/api/runs/any-run/withdraw")
                .then()
                .statusCode(403);
        as("admin")
                .get("/api/audit/events?action=REFUSE&size=1")
                .then()
                .statusCode(200)
                .body("items[0].outcome", equalTo("CROSS_SITE"))
                .body("items[0].refs", equalTo("POST /api/runs/any-run/withdraw"));
        // the same request from the platform's own origin goes on to the API (404: no such run)
        as("alice")
                .header("Origin", "http://localhost:" + io.restassured.RestAssured.port)
                .post("/api/runs/any-run/withdraw")
                .then()
                .statusCode(404);
    }

    @Test
    void shouldAllowEachGroupItsCallsAndRefuseTheRestWith403() {
        Object[][] table = {
            // user, method, path, status
            {"alice", "GET", "/api/targets", 200},
            {"alice", "GET", "/api/runs", 200},
            {"alice", "GET", "/api/targets/shop/backups", 200},
            {"alice", "GET", "/api/approvals", 403},
            {"alice", "POST", "/api/approvals/123", 403},
            {"alice", "GET", "/api/audit/events", 403},
            {"alice", "GET", "/api/audit/logins", 403},
            {"alice", "GET", "/api/%61udit/events", 403},
            // a path that is not normalised is refused before any rule (Spring Security's firewall)
            {"alice", "GET", "/api/runs/../audit/events", 400},
            {"alice", "GET", "/engine-rest/process-definition/count", 200},
            {"alice", "POST", "/engine-rest/process-definition/key/deploy/start", 403},
            {"alice", "POST", "/engine-rest/process-definition/key/deploy/submit-form", 403},
            {"alice", "GET", "/actuator/info", 403},
            {"alice", "GET", "/v3/api-docs", 200},
            {"bob", "GET", "/api/approvals", 200},
            {"bob", "GET", "/api/targets", 403},
            {"bob", "GET", "/api/runs", 403},
            {"bob", "POST", "/api/targets/shop/deployments", 403},
            {"bob", "POST", "/api/targets/shop/services/all/restart", 403},
            {"bob", "GET", "/api/audit/events", 403},
            {"bob", "GET", "/engine-rest/task/count", 200},
            {"carol", "GET", "/api/approvals", 200},
            {"carol", "GET", "/api/runs", 200},
            {"carol", "GET", "/api/audit/logins", 403},
            {"admin", "GET", "/api/audit/events", 200},
            {"admin", "GET", "/api/audit/logins", 200},
            {"admin", "GET", "/api/targets", 200},
            {"admin", "GET", "/api/approvals", 200},
            {"admin", "GET", "/api/runs", 200},
            {"admin", "GET", "/actuator/info", 200},
            {"admin", "GET", "/engine-rest/authorization/count", 200},
        };
        List<String> wrong = new ArrayList<>();
        for (Object[] row : table) {
            Response response = as((String) row[0])
                    .urlEncodingEnabled(false)
                    .contentType(ContentType.JSON)
                    .body("POST".equals(row[1]) ? "{}" : "")
                    .request((String) row[1], (String) row[2]);
            if (response.statusCode() != (int) row[3]) {
                wrong.add(row[0] + " " + row[1] + " " + row[2] + " -> " + response.statusCode() + " (expected " + row[3]
                        + ") " + response.asString());
            }
            if (response.statusCode() == 403 && ((String) row[2]).startsWith("/api")) {
                response.then()
                        .contentType("application/problem+json")
                        .body("detail", containsString("is not in a group"));
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void shouldFilterEngineReadsByTheGroupsGrants() {
        int definitions = as("alice")
                .get("/engine-rest/process-definition/count")
                .then()
                .statusCode(200)
                .extract()
                .path("count");
        assertThat(definitions).isGreaterThan(0);
        as("bob")
                .get("/engine-rest/history/process-instance/count")
                .then()
                .statusCode(200)
                .body("count", equalTo(0));
        as("admin").get("/engine-rest/history/process-instance/count").then().statusCode(200);
    }

    /**
     * Another engine named "default" registered in the JVM after this one (another application context, as in this
     * test JVM, or a camunda.cfg.xml on the class path) must not be what /engine-rest and the webapps serve: it did
     * not authenticate the caller, so it checked no authorization (an approver read its whole history), it checked
     * and logged webapp logins in its own tables, and it did not know this application's processes.
     */
    @Test
    void shouldServeThisApplicationsEngineWhenAnotherEngineHasTheSameName() {
        assertThat(EngineUtil.getProcessEngineProvider()).isInstanceOf(ApplicationProcessEngineProvider.class);
        ProcessEngine other = ProcessEngineConfiguration.createStandaloneInMemProcessEngineConfiguration()
                .setProcessEngineName(engine.getName())
                .setJdbcUrl("jdbc:h2:mem:other-" + UUID.randomUUID())
                .buildProcessEngine();
        try {
            assertThat(ProcessEngines.getProcessEngines().get(engine.getName())).isSameAs(other);
            other.getRepositoryService()
                    .createDeployment()
                    .addModelInstance(
                            "otherProbe.bpmn",
                            Bpmn.createExecutableProcess("otherProbe")
                                    .camundaHistoryTimeToLive(1)
                                    .startEvent()
                                    .endEvent()
                                    .done())
                    .deploy();
            other.getRuntimeService().startProcessInstanceByKey("otherProbe");

            as("bob")
                    .get("/engine-rest/history/process-instance/count")
                    .then()
                    .statusCode(200)
                    .body("count", equalTo(0));
            as("admin")
                    .get("/engine-rest/history/process-instance/count")
                    .then()
                    .statusCode(200)
                    .body("count", equalTo((int) engine.getHistoryService()
                            .createHistoricProcessInstanceQuery()
                            .count()));
            as("admin")
                    .get("/engine-rest/process-definition/key/otherProbe")
                    .then()
                    .statusCode(404);
            as("admin")
                    .get("/engine-rest/engine")
                    .then()
                    .statusCode(200)
                    .body("name", equalTo(List.of(engine.getName())));

            Instant before = Instant.now().minusSeconds(1);
            WebappSession alice = new WebappSession();
            alice.login("cockpit", "alice", "alice-pw").then().statusCode(200);
            alice.api()
                    .get("/camunda/api/engine/engine/default/process-definition/key/otherProbe")
                    .then()
                    .statusCode(404);
            alice.api()
                    .get("/camunda/api/engine/engine/default/process-definition/key/deploy")
                    .then()
                    .statusCode(200);
            assertThat(as("admin")
                            .get("/api/audit/logins?user=alice&from=" + before)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath()
                            .getList("items.via", String.class))
                    .contains("webapp");
        } finally {
            other.close();
            ProcessEngines.registerProcessEngine(engine);
        }
    }

    @Test
    void shouldLetEachGroupIntoItsWebappOnly() {
        Object[][] logins = {
            {"alice", "cockpit", 200},
            {"alice", "tasklist", 403},
            {"alice", "admin", 403},
            {"bob", "tasklist", 200},
            {"bob", "cockpit", 403},
            {"admin", "admin", 200},
            {"admin", "cockpit", 200},
            {"admin", "tasklist", 200},
            {"bob", "tasklist-wrong-password", 401},
        };
        for (Object[] login : logins) {
            String app = ((String) login[1]).replace("-wrong-password", "");
            String password = ((String) login[1]).endsWith("-wrong-password") ? "nope" : login[0] + "-pw";
            if ((int) login[2] == 401) {
                new WebappSession().login(app, "nobody", password).then().statusCode(401);
            } else {
                new WebappSession()
                        .login(app, (String) login[0], password)
                        .then()
                        .statusCode((int) login[2]);
            }
        }
        WebappSession bob = new WebappSession();
        bob.login("tasklist", "bob", "bob-pw").then().statusCode(200);
        JsonPath filters = bob.api()
                .get("/camunda/api/engine/engine/default/filter?resourceType=Task")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(filters.getList("name", String.class)).contains("Approvals");
        WebappSession alice = new WebappSession();
        alice.login("cockpit", "alice", "alice-pw").then().statusCode(200);
        alice.api()
                .get("/camunda/api/engine/engine/default/process-definition/count")
                .then()
                .statusCode(200)
                .body("count", greaterThan(0));
    }

    @Test
    void shouldLogLoginsWithTheClientBehindATrustedProxy() {
        String agent = "access-test/" + UUID.randomUUID();
        as("erin")
                .header("User-Agent", agent)
                .header("X-Forwarded-For", "203.0.113.7")
                .get("/api/targets")
                .then()
                .statusCode(200);
        given().auth()
                .preemptive()
                .basic("erin", "not-erins")
                .header("User-Agent", agent)
                .header("X-Forwarded-For", "198.51.100.9, 127.0.0.1")
                .get("/api/targets")
                .then()
                .statusCode(401);
        as("erin").get("/api/targets").then().statusCode(200);
        new WebappSession().login("tasklist", "erin", "erin-pw");

        List<Map<String, Object>> entries = as("admin")
                .get("/api/audit/logins?user=erin&size=50")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items");
        assertThat(entries)
                .anySatisfy(e -> assertThat(e)
                        .containsEntry("success", true)
                        .containsEntry("remoteAddress", "203.0.113.7")
                        .containsEntry("userAgent", agent)
                        .containsEntry("via", "api")
                        .containsEntry("reason", "OK"));
        assertThat(entries)
                .anySatisfy(e -> assertThat(e)
                        .containsEntry("success", false)
                        .containsEntry("remoteAddress", "198.51.100.9")
                        .containsEntry("reason", "BAD_CREDENTIALS"));
        assertThat(entries)
                .anySatisfy(e -> assertThat(e).containsEntry("via", "webapp").containsEntry("success", true));
        as("admin")
                .get("/api/audit/logins?user=nobody")
                .then()
                .statusCode(200)
                .body("items.reason", org.hamcrest.Matchers.hasItem("UNKNOWN_USER"));
        as("admin")
                .get("/api/audit/logins?success=false&size=1")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(1))
                .body("total", greaterThan(1));
    }

    @Test
    void shouldSlowThenLockOnlyTheUserWhoseLoginsFail() throws InterruptedException {
        // a success logged just before: the one after the lock-out must still be logged (CI, 5 Dec: it was not)
        as("dave").get("/api/targets").then().statusCode(200);
        RequestSpecification wrong = given().auth().preemptive().basic("dave", "not-daves");
        wrong.get("/api/targets").then().statusCode(401);
        wrong.get("/api/targets").then().statusCode(401);
        as("dave").get("/api/targets").then().statusCode(401);
        as("alice").get("/api/targets").then().statusCode(200);
        Thread.sleep(1_100);
        wrong.get("/api/targets").then().statusCode(401);
        Thread.sleep(2_100);
        wrong.get("/api/targets").then().statusCode(401);
        as("dave").get("/api/targets").then().statusCode(401);
        as("alice").get("/api/targets").then().statusCode(200);

        List<String> reasons = as("admin")
                .get("/api/audit/logins?user=dave")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items.reason", String.class);
        assertThat(reasons)
                .startsWith(
                        "LOCKED",
                        "BAD_CREDENTIALS",
                        "BAD_CREDENTIALS",
                        "THROTTLED",
                        "BAD_CREDENTIALS",
                        "BAD_CREDENTIALS");

        Thread.sleep(3_100);
        as("dave").get("/api/targets").then().statusCode(200);
        assertThat(as("admin")
                        .get("/api/audit/logins?user=dave&size=1")
                        .then()
                        .extract()
                        .jsonPath()
                        .getString("items[0].reason"))
                .isEqualTo("OK");
    }

    @Test
    void shouldNotMentionWhichPartOfTheCredentialsWasWrong() {
        String unknown = given().auth()
                .preemptive()
                .basic("nobody", "x")
                .get("/api/runs")
                .asString();
        String wrong =
                given().auth().preemptive().basic("erin", "x").get("/api/runs").asString();
        as("erin").get("/api/runs").then().statusCode(200);
        assertThat(unknown)
                .isEqualTo(wrong)
                .doesNotContainIgnoringCase("unknown")
                .doesNotContainIgnoringCase("password")
                .doesNotContain("nobody");
    }
}

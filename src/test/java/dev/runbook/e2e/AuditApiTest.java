package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import dev.runbook.testsupport.WebappSession;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The audit trail of every kind of action (start, service control, approval, rejection, expiry, incident, an
 * operator's retry over /engine-rest and in Cockpit, cancellation) with who did it, through /api and /engine-rest
 * alike, its filters for administrators, and the redaction of secrets in a step log, a run's failure, an incident
 * message, a job's stack trace and the log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class AuditApiTest extends SecuredPlatform {

    @Autowired
    RepositoryService repository;

    @Autowired
    ManagementService management;

    @Test
    @Order(1)
    void shouldRecordAServiceControlActionWithWhoWhatAndOutcome() {
        String runId = start("alice", "/api/targets/shop/services/" + shop.app + "/stop", Map.of());
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("DONE");

        List<Map<String, Object>> events = events("runId=" + runId);
        assertThat(events).extracting(e -> e.get("action")).containsExactly("END", "START");
        assertThat(events.get(1))
                .containsEntry("userId", "alice")
                .containsEntry("target", "shop")
                .containsEntry("processKey", "service-control")
                .containsEntry("runId", runId)
                .containsEntry("refs", "action=stop app=" + shop.app)
                .containsEntry("outcome", "STARTED");
        assertThat(events.get(0)).containsEntry("outcome", "DONE").containsKey("occurredAt");
    }

    @Test
    @Order(2)
    void shouldRecordARejectionAndAnExpiredApproval() {
        String rejected = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v2"));
        decide("bob", awaitApproval(rejected), false).then().statusCode(204);
        assertThat(awaitEnd(rejected).getString("outcome")).isEqualTo("REJECTED");
        assertThat(events("runId=" + rejected))
                .extracting(e -> e.get("action") + ":" + e.get("userId") + ":" + e.get("outcome"))
                .containsExactly("END:bob:REJECTED", "REJECT:bob:REJECTED", "START:alice:STARTED");
        assertThat(events("runId=" + rejected).get(2)).containsEntry("refs", "components=all gitRef=v2");

        String expiring = start("carol", "/api/targets/shop/deployments", Map.of("gitRef", "v2"));
        awaitApproval(expiring);
        management.executeJob(management
                .createJobQuery()
                .processInstanceId(expiring)
                .timers()
                .singleResult()
                .getId());
        assertThat(awaitEnd(expiring).getString("outcome")).isEqualTo("EXPIRED");
        Map<String, Object> expiry =
                events("runId=" + expiring + "&action=EXPIRE").get(0);
        assertThat(expiry).containsEntry("outcome", "EXPIRED").doesNotContainKey("userId");
    }

    @Test
    @Order(3)
    void shouldRecordAnIncidentItsRetryAndTheCancellationWithTheSecretRedacted(CapturedOutput output) {
        repository
                .createDeployment()
                .name("incident probe")
                .addModelInstance(
                        "incidentProbe.bpmn",
                        Bpmn.createExecutableProcess("incidentProbe")
                                .camundaHistoryTimeToLive(1)
                                .startEvent("StartEvent_Probe")
                                .serviceTask("Task_Leak")
                                .name("Leak")
                                .camundaClass(LeakyDelegate.class.getName())
                                .camundaAsyncBefore()
                                .endEvent("EndEvent_Probe")
                                .done())
                .deploy();
        String runId = as("admin")
                .contentType(ContentType.JSON)
                .body(Map.of("businessKey", "shop:probe", "variables", Map.of("target", Map.of("value", "shop"))))
                .post("/engine-rest/process-definition/key/incidentProbe/start")
                .then()
                .statusCode(200)
                .extract()
                .path("id");

        JsonPath incident = awaitIncident(runId);
        assertThat(incident.getString("[0].incidentMessage"))
                .contains("****")
                .doesNotContain(DB_PASSWORD)
                .doesNotContain("tok-7f3a9c1e55");
        String jobId = incident.getString("[0].configuration");
        String stackTrace = as("admin")
                .get("/engine-rest/job/" + jobId + "/stacktrace")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(stackTrace).contains("****").doesNotContain(DB_PASSWORD).contains("LeakyDelegate");
        assertThat(as("alice")
                        .get("/api/runs/" + runId)
                        .then()
                        .extract()
                        .path("state")
                        .toString())
                .isEqualTo("INCIDENT");

        // an operator retries the failed step, over /engine-rest and in Cockpit; an approver may not
        as("bob")
                .contentType(ContentType.JSON)
                .body(Map.of("retries", 1))
                .put("/engine-rest/job/" + jobId + "/retries")
                .then()
                .statusCode(403);
        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of("retries", 1))
                .put("/engine-rest/job/" + jobId + "/retries")
                .then()
                .statusCode(204);
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> events("runId=" + runId + "&action=INCIDENT").size() == 2);
        WebappSession cockpit = new WebappSession();
        cockpit.login("cockpit", "alice", "alice-pw").then().statusCode(200);
        cockpit.api()
                .contentType(ContentType.JSON)
                .body(Map.of("retries", 1))
                .put("/camunda/api/engine/engine/default/job/" + jobId + "/retries")
                .then()
                .statusCode(204);
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> events("runId=" + runId + "&action=INCIDENT").size() == 3);
        as("alice")
                .delete("/engine-rest/process-instance/" + runId + "?skipCustomListeners=true")
                .then()
                .statusCode(403);
        as("admin")
                .delete("/engine-rest/process-instance/" + runId + "?skipCustomListeners=true")
                .then()
                .statusCode(204);

        List<Map<String, Object>> events = events("runId=" + runId);
        assertThat(events)
                .extracting(e -> e.get("action") + ":" + e.get("userId"))
                .containsExactly(
                        "CANCEL:admin",
                        "INCIDENT:null",
                        "INCIDENT_RETRY:alice",
                        "INCIDENT:null",
                        "INCIDENT_RETRY:alice",
                        "INCIDENT:null",
                        "START:admin");
        assertThat(events.get(1).get("detail").toString())
                .startsWith("Task_Leak: ")
                .contains("****")
                .doesNotContain(DB_PASSWORD);
        assertThat(output.getAll())
                .contains("LeakyDelegate")
                .doesNotContain(DB_PASSWORD)
                .doesNotContain("tok-7f3a9c1e55");
    }

    @Test
    @Order(4)
    void shouldRedactSecretsAToolPrintsInTheStepLogAndTheRunFailure() {
        shop.publish("leaky", Map.of("backend/build.js", """
                console.log('connecting to %s');
                console.log('NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123');
                console.error('password: Hunter2-Secret');
                process.exit(1);
                """.formatted(DB_URI)));
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "leaky"));
        decide("bob", awaitApproval(runId), true).then().statusCode(204);
        JsonPath run = awaitEnd(runId);
        try {
            String log = stepLog(runId, "Task_InstallAndBuild");
            assertThat(log)
                    .contains("connecting to mongodb://shopuser:****@127.0.0.1")
                    .contains("NPM_TOKEN=****")
                    .contains("password: ****")
                    .doesNotContain(DB_PASSWORD)
                    .doesNotContain("Hunter2-Secret")
                    .doesNotContain("npm_abcdefghijklmnopqrstuvwxyz0123");
            assertThat(run.getString("failure"))
                    .startsWith("COMMAND_FAILED")
                    .doesNotContain(DB_PASSWORD)
                    .doesNotContain("Hunter2-Secret");
            assertThat(as("admin").get("/api/audit/events?runId=" + runId).asString())
                    .doesNotContain(DB_PASSWORD)
                    .doesNotContain("Hunter2-Secret");
        } finally {
            if ("INCIDENT".equals(run.getString("state"))) {
                as("admin")
                        .delete("/engine-rest/process-instance/" + runId)
                        .then()
                        .statusCode(204);
            }
        }
    }

    @Test
    @Order(5)
    void shouldFilterAndPageTheTrailForAdministratorsOnly() {
        as("admin")
                .get("/api/audit/events?user=alice&action=START&size=1")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(1))
                .body("items[0].userId", equalTo("alice"))
                .body("total", greaterThanOrEqualTo(2))
                .body("size", equalTo(1));
        as("admin")
                .get("/api/audit/events?user=alice&action=START&size=1&page=1")
                .then()
                .statusCode(200)
                .body("page", equalTo(1))
                .body("items.size()", equalTo(1));
        as("admin")
                .get("/api/audit/events?target=shop&from=" + Instant.now().plusSeconds(3600))
                .then()
                .statusCode(200)
                .body("total", equalTo(0));
        as("admin")
                .get("/api/audit/events?target=shop&to=" + Instant.now().plusSeconds(60))
                .then()
                .statusCode(200)
                .body("total", greaterThanOrEqualTo(5));
        for (String user : List.of("alice", "bob", "carol")) {
            as(user).get("/api/audit/events").then().statusCode(403).contentType("application/problem+json");
            as(user).get("/api/audit/logins").then().statusCode(403);
        }
    }

    private static List<Map<String, Object>> events(String query) {
        return as("admin")
                .get("/api/audit/events?" + query)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("items");
    }

    private static JsonPath awaitIncident(String runId) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(
                        () -> as("admin")
                                .get("/engine-rest/incident?processInstanceId=" + runId)
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath(),
                        incidents -> !incidents.getList("$").isEmpty());
    }
}

package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.runbook.testsupport.WebappSession;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A host's agent (group {@code agents}, {@code runbook.hosts.<host>.agent-user}) fetches and reports its own host's
 * steps and nothing else: another host's topic, another host's task, the API and every other engine resource get 403
 * with the reason. An operator may not fetch or report a host's step either (that would skip its work). The probe
 * model has one step for the host {@code web-2}, which no worker of this platform takes. Each host's health shows
 * when its agent last called, and which steps it holds.
 */
class AgentAccessApiTest extends SecuredPlatform {

    @Autowired
    ProcessEngine engine;

    @BeforeEach
    void deployProbe() {
        if (engine.getRepositoryService()
                        .createProcessDefinitionQuery()
                        .processDefinitionKey("agentProbe")
                        .count()
                == 0) {
            engine.getRepositoryService()
                    .createDeployment()
                    .addModelInstance(
                            "agentProbe.bpmn",
                            Bpmn.createExecutableProcess("agentProbe")
                                    .camundaHistoryTimeToLive(1)
                                    .startEvent()
                                    .serviceTask("Task_OnWeb2")
                                    .name("A step on web-2")
                                    .camundaExternalTask("runbook.host.web-2")
                                    .endEvent()
                                    .done())
                    .deploy();
        }
    }

    @Test
    void shouldLetAnAgentFetchAndReportOnlyItsOwnHostsSteps() {
        String run = engine.getRuntimeService()
                .startProcessInstanceByKey("agentProbe", Map.of("target", "shop"))
                .getId();

        fetch("web1agent", "runbook.host.web-2")
                .statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("may fetch only topic runbook.host.web-1, not 'runbook.host.web-2'"));
        fetch("web1agent", "runbook.host.web-1", "runbook.host.web-2").statusCode(403);
        fetch("web1agent", "runbook.host.local").statusCode(403);
        fetch("web1agent").statusCode(403).body("detail", containsString("without topics"));
        assertThat(fetch("web1agent", "runbook.host.web-1")
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("$"))
                .isEmpty();

        List<Map<String, Object>> fetched = fetch("web2agent", "runbook.host.web-2")
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
        assertThat(fetched).hasSize(1);
        assertThat(fetched.get(0)).containsEntry("processInstanceId", run).containsEntry("activityId", "Task_OnWeb2");
        assertThat(fetched.get(0).get("variables").toString()).contains("shop");
        String task = (String) fetched.get(0).get("id");
        assertThat(hostHealth("web-2").getList("details.runningSteps", String.class))
                .as("the health of web-2 shows the step its agent holds")
                .containsExactly("Task_OnWeb2 of run " + run);

        for (String report : List.of("complete", "failure", "bpmnError", "extendLock", "unlock")) {
            as("web1agent")
                    .contentType(ContentType.JSON)
                    .body(Map.of("workerId", "web2agent-worker", "newDuration", 1000, "errorCode", "X"))
                    .post("/engine-rest/external-task/" + task + "/" + report)
                    .then()
                    .statusCode(403)
                    .body("detail", containsString("a step of another host (runbook.host.web-2), not of web-1"));
        }
        as("web2agent")
                .contentType(ContentType.JSON)
                .body(Map.of("workerId", "web2agent-worker", "variables", Map.of()))
                .post("/engine-rest/external-task/" + task + "/complete")
                .then()
                .statusCode(204);
        assertThat(engine.getHistoryService()
                        .createHistoricProcessInstanceQuery()
                        .processInstanceId(run)
                        .finished()
                        .count())
                .as("the step web-2's agent completed ended the run")
                .isEqualTo(1);
    }

    @Test
    void shouldRefuseAnAgentEverythingElseAndAnOperatorTheSteps() {
        for (String path : List.of(
                "/api/me",
                "/api/runs",
                "/api/targets",
                "/engine-rest/process-instance",
                "/engine-rest/external-task",
                "/engine-rest/history/process-instance",
                "/actuator/prometheus")) {
            as("web1agent").get(path).then().statusCode(403);
        }
        as("web1agent")
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post("/engine-rest/process-definition/key/restart/start")
                .then()
                .statusCode(403);
        as("web1agent")
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post("/api/targets/shop/restarts")
                .then()
                .statusCode(403);

        fetch("alice", "runbook.host.local").statusCode(403).body("detail", containsString("agents or camunda-admin"));
        // nor by another name of the same call (found by a break-it session: both reached the REST API)
        for (String path : List.of(
                "/engine-rest/external-task/fetchAndLock/", "/engine-rest/engine/default/external-task/fetchAndLock")) {
            as("alice")
                    .contentType(ContentType.JSON)
                    .body(Map.of("workerId", "alice", "topics", List.of(Map.of("topicName", "runbook.host.local"))))
                    .post(path)
                    .then()
                    .statusCode(403);
        }
        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post("/engine-rest/engine/default/process-definition/key/restart/start")
                .then()
                .statusCode(403);
        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of("workerId", "alice"))
                .post("/engine-rest/external-task/any-task/complete")
                .then()
                .statusCode(403);
    }

    /**
     * Found by a break-it session: an agent signed in to Camunda's webapps (open to any user) used its engine grants
     * there to read any run's variables and complete another host's step. Agents now hold no engine grant.
     */
    @Test
    void shouldGiveAnAgentSignedInToTheWebappsNothingToSeeOrChange() {
        String run = engine.getRuntimeService()
                .startProcessInstanceByKey("agentProbe", Map.of("target", "shop", "note", "not for agents"))
                .getId();
        String task = engine.getExternalTaskService()
                .createExternalTaskQuery()
                .processInstanceId(run)
                .singleResult()
                .getId();
        WebappSession agent = new WebappSession();
        agent.login("welcome", "web1agent", "web1agent-pw").then().statusCode(200);
        agent.api()
                .get("/camunda/api/engine/engine/default/external-task")
                .then()
                .statusCode(200);
        assertThat(agent.api()
                        .get("/camunda/api/engine/engine/default/external-task")
                        .then()
                        .extract()
                        .asString())
                .doesNotContain(task);
        assertThat(agent.api()
                        .get("/camunda/api/engine/engine/default/process-instance/" + run + "/variables")
                        .then()
                        .extract()
                        .asString())
                .doesNotContain("not for agents");
        int completed = agent.api()
                .contentType(ContentType.JSON)
                .body(Map.of("workerId", "x", "variables", Map.of()))
                .post("/camunda/api/engine/engine/default/external-task/" + task + "/complete")
                .statusCode();
        assertThat(completed).isNotIn(200, 204);
        assertThat(engine.getExternalTaskService()
                        .createExternalTaskQuery()
                        .externalTaskId(task)
                        .count())
                .as("web-2's step is still waiting for web-2")
                .isEqualTo(1);
        engine.getRuntimeService().deleteProcessInstance(run, "test done");
    }

    @Test
    void shouldShowWhenEachHostsAgentLastCalledAndAHostWhoseAgentFellSilentAsDegraded() {
        fetch("web1agent", "runbook.host.web-1").statusCode(200);
        fetch("web2agent", "runbook.host.web-2").statusCode(200);

        JsonPath web1 = hostHealth("web-1");
        assertThat(web1.getString("status")).isEqualTo("UP");
        assertThat(web1.getString("details.agentUser")).isEqualTo("web1agent");
        assertThat(Instant.parse(web1.getString("details.lastContact")))
                .isAfter(Instant.now().minusSeconds(60));
        assertThat(web1.getString("details.address")).isEqualTo("127.0.0.1");
        assertThat(hostHealth("web-3").getString("status"))
                .as("a host whose agent never called")
                .isEqualTo("UNKNOWN");
        JsonPath web2 = Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> hostHealth("web-2"), health -> "DEGRADED".equals(health.getString("status")));
        assertThat(web2.getString("details.reason")).contains("silent for longer than PT1S");
        assertThat(as("admin").get("/actuator/health").jsonPath().getString("status"))
                .as("a silent agent does not take the platform out of a load balancer")
                .isEqualTo("UP");
    }

    private static JsonPath hostHealth(String host) {
        return as("admin")
                .get("/actuator/health")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .setRootPath("components.hosts.components." + host);
    }

    private static ValidatableResponse fetch(String user, String... topics) {
        return as(user).contentType(ContentType.JSON)
                .body(Map.of(
                        "workerId",
                        user + "-worker",
                        "maxTasks",
                        5,
                        "topics",
                        List.of(topics).stream()
                                .map(topic -> Map.of("topicName", topic, "lockDuration", 60_000))
                                .toList()))
                .post("/engine-rest/external-task/fetchAndLock")
                .then();
    }
}

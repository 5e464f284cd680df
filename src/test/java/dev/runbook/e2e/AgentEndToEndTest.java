package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.awaitHostStatus;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.runbook.testsupport.AgentProcess;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A target on the host {@code web-1}, whose steps a real agent runs: the jar's agent mode in a process of its own,
 * signed in as {@code web1agent}, with its own data directory and the target's description (this test machine's disk
 * and PM2 daemon stand for the host's). The restart's steps (after a deploy, whose host steps the agent runs too)
 * are fetched, run and reported by the agent, their logs come back to the run page, and the host is UP in the
 * platform's health with the agent's version.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("agent-shop-backend");

    static AgentProcess agent;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        shop.registerHost(registry, 4, "web-1", "web1agent");
        // the agent below polls every second: silent for 4 s, it is gone
        registry.add("runbook.hosts.web-1.silent-after", () -> "PT4S");
        registry.add("runbook.targets.shop.hosts[0]", () -> "web-1");
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    /** The agent of web-1: the target's description as the host's own configuration, its own data directory. */
    private static AgentProcess startAgent() {
        Map<String, String> properties = shop.agentProperties("web-1", "http://127.0.0.1:" + RestAssured.port);
        properties.put("runbook.agent.poll", "PT1S");
        return AgentProcess.start(List.of(), properties, "web1agent", "web1agent-pw", shop.root.resolve("agent.log"));
    }

    @Test
    @Order(0)
    void shouldRefuseToDeployOnAHostWhoseAgentHasNotCalled() {
        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of("gitRef", "v1"))
                .post("/api/targets/shop/deployments")
                .then()
                .statusCode(409)
                .body("title", equalTo("Host unavailable"))
                .body("detail", containsString("host web-1 of target shop is UNKNOWN"));
        // a backup's pin runs on the host too: refused rather than waiting for an agent that is not there
        as("alice")
                .contentType(ContentType.JSON)
                .post("/api/targets/shop/backups")
                .then()
                .statusCode(409)
                .body("title", equalTo("Host unavailable"));
        assertThat(as("admin")
                        .get("/engine-rest/process-instance/count")
                        .jsonPath()
                        .getInt("count"))
                .as("nothing started")
                .isZero();
    }

    @Test
    @Order(1)
    void shouldRestartThroughTheAgentOfTheTargetsHost() {
        agent = startAgent();
        awaitHostStatus("web-1", "UP");
        JsonPath deploy = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v1")));
        assertThat(deploy.getString("outcome")).isEqualTo("DEPLOYED");

        JsonPath restart = awaitEnd(start("alice", "/api/targets/shop/restarts", Map.of()));

        assertThat(restart.getString("outcome")).isEqualTo("DONE");
        assertThat(shop.served()).contains("\"version\":\"v1\"");
        JsonPath log = as("admin")
                .get("/engine-rest/history/external-task-log?successLog=true&processInstanceId="
                        + restart.getString("runId"))
                .jsonPath();
        assertThat(log.getList("activityId", String.class))
                .containsExactlyInAnyOrder("Task_RestartApps", "Task_HealthCheck");
        assertThat(log.getList("topicName", String.class)).containsOnly("runbook.host.web-1");
        assertThat(log.getList("workerId", String.class)).containsOnly("web-1");
        // the steps' logs came back with their outcomes, to where the run page reads them
        assertThat(stepLog(restart.getString("runId"), "Task_RestartApps")).contains(shop.app);
        assertThat(stepLog(restart.getString("runId"), "Task_HealthCheck"))
                .contains(shop.healthUrl().toString());
        assertThat(restart.getString("steps.find { it.activityId == 'Task_HealthCheck' }.logTail"))
                .contains("2xx");
        // nothing of the log transfer stays in the run's variables or their history (a transient variable)
        assertThat(as("admin")
                        .get("/engine-rest/history/variable-instance?variableName=hostStepLog&processInstanceId="
                                + restart.getString("runId"))
                        .jsonPath()
                        .getList("$"))
                .isEmpty();

        JsonPath health = as("admin").get("/actuator/health").jsonPath().setRootPath("components.hosts.components");
        assertThat(health.getString("'web-1'.status")).isEqualTo("UP");
        assertThat(health.getString("'web-1'.details.client")).startsWith("runbook-agent/");
    }

    @Test
    @Order(2)
    void shouldBringBackALongBuildLog() {
        // a build that prints about 40 KB: far more than a stored string variable may hold (4000 characters)
        String loud = shop.publish("loud", Map.of("backend/build.js", """
                const fs = require('fs');
                for (let i = 0; i < 800; i++) console.log('compiling module ' + i + ' ' + 'x'.repeat(40));
                console.log('loud build done');
                fs.mkdirSync('dist', { recursive: true });
                fs.copyFileSync('src/main.js', 'dist/main.js');
                """));
        JsonPath deploy = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "loud")));

        assertThat(deploy.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(shop.head()).isEqualTo(loud);
        assertThat(stepLog(deploy.getString("runId"), "Task_InstallAndBuild"))
                .contains("compiling module 0 ", "compiling module 799 ", "loud build done");
    }

    @Test
    @Order(2)
    void shouldNeverLetTheAgentsPasswordReachItsLog() {
        assertThat(agent.log()).doesNotContain("web1agent-pw").contains("agent of host web-1");
    }

    @Test
    @Order(3)
    void shouldRefuseToRestartOnAHostWhoseAgentWentSilent() {
        agent.kill();
        awaitHostStatus("web-1", "DEGRADED");

        as("alice")
                .contentType(ContentType.JSON)
                .body(Map.of())
                .post("/api/targets/shop/restarts")
                .then()
                .statusCode(409)
                .body("detail", containsString("host web-1 of target shop is DEGRADED: its agent last called at"));
        assertThat(shop.served()).as("the app serves on").contains("\"status\":\"ok\"");
    }
}

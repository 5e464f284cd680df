package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.awaitHostStatus;
import static dev.runbook.testsupport.ApiClient.awaitStepRunning;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.AgentProcess;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.HostNamespace;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A target on a real remote host: {@code web-1} is a network namespace made by the test, joined to this machine by a
 * veth pair. Its agent runs inside it and reaches the platform only over the pair; it runs PM2 with the host's own
 * daemon ({@code PM2_HOME} of the host), so the app listens inside the namespace, where only the agent's health check
 * and the test's {@code curl} in the namespace see it. The host shares this machine's disk (its release layout is the
 * target's root; separate disks per host come with the mount namespaces of rolling deploys). Deploys run their host
 * steps there; an agent killed mid-build has its step taken up again by the agent started after it (once the lock
 * of 6 s runs out) and the run deploys once; a link cut while a step runs makes the run wait, and it goes on when
 * the link is back. Runs only where namespaces can be made (root); in the build's first pass only.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteHostNamespaceTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("netns-shop-backend");

    static HostNamespace web1;
    static AgentProcess agent;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        // the agent in the namespace calls the platform on this side of its veth pair
        registry.add("server.address", () -> "0.0.0.0");
        shop.registerHost(registry, 4, "web-1", "web1agent");
    }

    @BeforeAll
    static void makeHost() {
        Assumptions.assumeTrue(HostNamespace.available(), "network namespaces need root");
        web1 = HostNamespace.create("w1");
    }

    @AfterAll
    static void removeHost() {
        if (agent != null) {
            agent.close();
        }
        if (web1 != null) {
            web1.close();
        }
    }

    private static AgentProcess startAgent(String log) {
        Map<String, String> properties =
                shop.agentProperties("web-1", "http://" + web1.platformAddress + ":" + RestAssured.port);
        properties.put("runbook.agent.lock", "PT6S");
        return AgentProcess.start(
                web1.prefix(),
                properties,
                Map.of("PM2_HOME", shop.root.resolve("web-1-pm2").toString()),
                "web1agent",
                "web1agent-pw",
                shop.root.resolve(log));
    }

    private static String served() {
        return web1.get(shop.healthUrl().toString());
    }

    /** A commit whose build waits for {@code gate} (at most 90 s), then builds {@code version} as usual. */
    private static String gatedBuild(String version, Path gate) {
        String branch = "gated-" + version;
        shop.publish(
                branch,
                Map.of(
                        "backend/build.js", """
                const fs = require('fs');
                const until = Date.now() + 90000;
                const wait = setInterval(() => {
                  if (!fs.existsSync(%s) && Date.now() < until) return;
                  clearInterval(wait);
                  fs.mkdirSync('dist', { recursive: true });
                  fs.copyFileSync('src/main.js', 'dist/main.js');
                  console.log('built %s');
                }, 50);
                """.formatted("'" + gate + "'", version),
                        "backend/src/main.js", """
                const http = require('http');
                http.createServer((req, res) => {
                  res.writeHead(200, { 'Content-Type': 'application/json' });
                  res.end(JSON.stringify({ status: 'ok', version: '%s' }));
                }).listen(Number(process.env.PORT), '127.0.0.1');
                """.formatted(version)));
        return branch;
    }

    private static List<String> succeeded(String runId, String activityId) {
        return as("admin")
                .get("/engine-rest/history/external-task-log?successLog=true&activityIdIn=" + activityId
                        + "&processInstanceId=" + runId)
                .jsonPath()
                .getList("workerId", String.class);
    }

    @Test
    @Order(1)
    void shouldDeployOnTheHostThroughItsAgentOverTheLink() {
        agent = startAgent("agent-1.log");
        awaitHostStatus("web-1", "UP");

        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v1")));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(served()).contains("\"version\":\"v1\"");
        for (String step : List.of(
                "Task_PrepareRelease",
                "Task_InstallAndBuild",
                "Task_SwitchRelease",
                "Task_Pm2Reload",
                "Task_HealthCheck")) {
            assertThat(succeeded(run.getString("runId"), step)).as(step).containsExactly("web-1");
        }
        JsonPath health = as("admin").get("/actuator/health").jsonPath().setRootPath("components.hosts.components");
        assertThat(health.getString("'web-1'.status")).isEqualTo("UP");
        assertThat(health.getString("'web-1'.details.address")).isEqualTo(web1.address);
    }

    @Test
    @Order(2)
    void shouldRefuseTheAgentAnythingButItsOwnSteps() {
        // from inside the host, with its agent's credentials: another host's topic and the API are refused
        String base = "http://" + web1.platformAddress + ":" + RestAssured.port;
        String fetch = "{\"workerId\":\"web-1\",\"maxTasks\":1,\"topics\":[{\"topicName\":\"runbook.host.local\","
                + "\"lockDuration\":1000}]}";
        assertThat(curl(
                        "-X",
                        "POST",
                        "-H",
                        "Content-Type: application/json",
                        "-d",
                        fetch,
                        base + "/engine-rest/external-task/fetchAndLock"))
                .isEqualTo("403");
        assertThat(curl(base + "/api/targets")).isEqualTo("403");
    }

    private static String curl(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", "-u", "web1agent:web1agent-pw"));
        command.addAll(List.of(args));
        return web1.exec(command);
    }

    @Test
    @Order(3)
    void shouldTakeUpTheStepOfAKilledAgentOnceItsLockRunsOut() throws Exception {
        Path gate = shop.root.resolve("gate-killed");
        String run = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", gatedBuild("v2", gate)));
        awaitStepRunning(run, "Task_InstallAndBuild", Duration.ofSeconds(90));
        agent.kill();
        agent = startAgent("agent-2.log");
        Files.createFile(gate);

        JsonPath ended = awaitEnd(run);

        assertThat(ended.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(served()).contains("\"version\":\"v2\"");
        assertThat(succeeded(run, "Task_SwitchRelease")).as("switched once").containsExactly("web-1");
        assertThat(agent.log()).contains("Task_InstallAndBuild");
    }

    @Test
    @Order(4)
    void shouldWaitForACutLinkAndGoOnWhenItIsBack() throws Exception {
        Path gate = shop.root.resolve("gate-cut");
        String run = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", gatedBuild("v3", gate)));
        awaitStepRunning(run, "Task_InstallAndBuild", Duration.ofSeconds(90));
        web1.cut();
        try {
            Files.createFile(gate);
            agent.awaitLog("the platform cannot be reached", Duration.ofSeconds(60));
            assertThat(as("alice").get("/api/runs/" + run).jsonPath().getString("state"))
                    .as("the run waits")
                    .isEqualTo("RUNNING");
        } finally {
            web1.mend();
        }

        JsonPath ended = awaitEnd(run);

        assertThat(ended.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(served()).contains("\"version\":\"v3\"");
        assertThat(succeeded(run, "Task_InstallAndBuild")).as("built once").containsExactly("web-1");
    }
}

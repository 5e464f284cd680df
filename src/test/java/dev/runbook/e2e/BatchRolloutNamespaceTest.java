package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.runbook.cli.RunbookCli;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.HostFleet;
import dev.runbook.testsupport.HostNamespace;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
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
 * A deploy in batches ({@code rollout.batch: 2}) over two real hosts (network and mount namespaces with their own
 * disks and agents, see {@link HostFleet}): both hosts are switched, reloaded and checked at once; a release that
 * crashes on one of them waits for an operator's decision ({@code rollout.on-failure: ask}), who rolls it back: both
 * hosts are switched back. Runs only where namespaces can be made (root); in the build's first
 * pass only.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchRolloutNamespaceTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("batch-shop-backend");

    static final List<String> HOSTS = List.of("web-1", "web-2");

    /** How long a run over both hosts may take (about 15 s alone; the full build shares the 2 cores). */
    static final Duration RUN = Duration.ofMinutes(5);

    static HostFleet fleet;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        registry.add("server.address", () -> "0.0.0.0");
        HostFleet.register(registry, shop, 4, HOSTS);
        registry.add("runbook.targets.shop.rollout.batch", () -> "2");
        registry.add("runbook.targets.shop.rollout.on-failure", () -> "ask");
    }

    @BeforeAll
    static void makeHosts() {
        Assumptions.assumeTrue(HostNamespace.available(), "network and mount namespaces need root");
        fleet = new HostFleet(shop, HOSTS);
    }

    @AfterAll
    static void removeHosts() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static JsonPath deploy(String ref) {
        return awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", ref)), RUN);
    }

    /** When the run's step started or ended on each host: {@code field} is {@code startedAt} or {@code endedAt}. */
    private static List<Instant> times(JsonPath run, String activityId, String field) {
        return run.getList("steps.findAll { it.activityId == '" + activityId + "' }." + field, String.class).stream()
                .map(Instant::parse)
                .toList();
    }

    @Test
    @Order(1)
    void shouldSwitchReloadAndCheckBothHostsAtOnce() throws Exception {
        // web-2's own configuration crashes the release of the next test
        fleet.startAgents(Map.of(), Map.of("web-2", Map.of("runbook.targets.shop.env.CRASH_HERE", "yes")));
        assertThat(deploy(fleet.release("v1", false)).getString("outcome")).isEqualTo("DEPLOYED");

        JsonPath run = deploy(fleet.release("v2", false));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        for (String host : HOSTS) {
            assertThat(fleet.served(host)).as(host).contains("\"version\":\"v2\"");
        }
        assertThat(run.getList("steps.findAll { it.activityId == 'Task_SwitchRelease' }.host", String.class))
                .containsExactlyInAnyOrder("web-1", "web-2");
        // one batch: each host's switch started before either host's health check ended (one at a time, web-2's switch
        // would start only after web-1's check)
        Instant lastSwitchStarted = times(run, "Task_SwitchRelease", "startedAt").stream()
                .max(Instant::compareTo)
                .orElseThrow();
        Instant firstCheckEnded = times(run, "Task_HealthCheck", "endedAt").stream()
                .min(Instant::compareTo)
                .orElseThrow();
        assertThat(lastSwitchStarted).isBefore(firstCheckEnded);
    }

    @Test
    @Order(2)
    void shouldWaitForAnOperatorWhenAHostFailsThenSwitchBothHostsBack() {
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", fleet.release("v3", true)));
        Awaitility.await()
                .atMost(RUN)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> "WAITING_FOR_DECISION"
                        .equals(as("alice").get("/api/runs/" + runId).jsonPath().getString("state")));
        // web-2 crashed; nothing is undone while the operator decides: web-1, switched in the same batch, finishes its
        // own reload and check and serves v3 (it may still be reloading when web-2's failure is reported)
        Awaitility.await()
                .atMost(RUN)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> fleet.served("web-1").contains("\"version\":\"v3\""));
        assertThat(as("alice").get("/api/runs/" + runId).jsonPath().getString("state"))
                .isEqualTo("WAITING_FOR_DECISION");

        decide(runId, Map.of("decision", "maybe")).then().statusCode(400);
        decide(runId, Map.of("decision", "retry", "host", "web-1"))
                .then()
                .statusCode(409)
                .body("detail", containsString("waits for one on web-2"));
        // the operator decides with the command line
        java.io.StringWriter out = new java.io.StringWriter();
        int code = RunbookCli.execute(
                new String[] {"decide", runId, "rollback", "--comment", "v3 crashes on web-2"},
                Map.of(
                        "RUNBOOK_URL", "http://127.0.0.1:" + io.restassured.RestAssured.port,
                        "RUNBOOK_USER", "alice",
                        "RUNBOOK_PASSWORD", "alice-pw"),
                Path.of("/nonexistent-home"),
                new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(new java.io.StringWriter(), true));
        assertThat(code).as(out.toString()).isEqualTo(RunbookCli.EXIT_OK);

        JsonPath run = awaitEnd(runId, RUN);
        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure")).contains("host web-2").contains("CRASH_HERE");
        for (String host : HOSTS) {
            assertThat(fleet.served(host)).as(host).contains("\"version\":\"v2\"");
        }
        assertThat(HostFleet.hostsOf(runId, "Task_SwitchBack")).containsExactlyInAnyOrder("web-1", "web-2");
        JsonPath decided = as("admin")
                .get("/api/audit/events?action=DECIDE&runId=" + runId)
                .jsonPath();
        assertThat(decided.getString("items[0].userId")).isEqualTo("alice");
        assertThat(decided.getString("items[0].outcome")).isEqualTo("ROLLBACK");
        assertThat(decided.getString("items[0].refs")).contains("host=web-2");
        decide(runId, Map.of("decision", "retry")).then().statusCode(409);
    }

    private static io.restassured.response.Response decide(String runId, Map<String, String> body) {
        return as("alice").contentType("application/json").body(body).post("/api/runs/" + runId + "/host-decisions");
    }
}

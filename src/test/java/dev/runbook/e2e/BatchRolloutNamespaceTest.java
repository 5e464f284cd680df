package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.HostFleet;
import dev.runbook.testsupport.HostNamespace;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
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
 * A deploy in batches ({@code rollout.batch: 2}) over two real hosts (network and mount namespaces with their own
 * disks and agents, see {@link HostFleet}): both hosts are switched, reloaded and checked at once, and a release that
 * crashes on one of them is switched back on both. Runs only where namespaces can be made (root); in the build's first
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
    void shouldSwitchBothHostsBackWhenTheReleaseCrashesOnOne() {
        JsonPath run = deploy(fleet.release("v3", true));

        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure")).contains("host web-2").contains("CRASH_HERE");
        for (String host : HOSTS) {
            assertThat(fleet.served(host)).as(host).contains("\"version\":\"v2\"");
        }
        assertThat(HostFleet.hostsOf(run.getString("runId"), "Task_SwitchBack"))
                .containsExactlyInAnyOrder("web-1", "web-2");
    }
}

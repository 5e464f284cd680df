package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.HostFleet;
import dev.runbook.testsupport.HostNamespace;
import dev.runbook.testsupport.PlatformTest;
import dev.runbook.testsupport.Poller;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A rolling deploy over two real hosts. Each host is a network namespace joined to this machine by a veth pair, with
 * its own disk: a directory of its own bind-mounted at the target's root in the mount namespace its agent runs in, so
 * its releases, {@code current} and PM2 daemon are its own, at the path every host uses. The apps listen on the
 * hosts' addresses, where a poller plays the users of both. Deploys build both hosts first, then switch, reload and
 * check one host after the other; a release that crashes on the second host (its own configuration sets
 * {@code CRASH_HERE}) is switched back on both, and the run names that host and the crash. Runs only where
 * namespaces can be made (root); in the build's first pass only.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingDeployNamespaceTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("rolling-shop-backend");

    static final List<String> HOSTS = List.of("web-1", "web-2");

    /**
     * How long a run over both hosts may take: about 15 s alone, five times that late in the full build, where the
     * contexts of earlier classes and two agent JVMs share the 2 cores.
     */
    static final Duration RUN = Duration.ofMinutes(5);

    static HostFleet fleet;

    /** The release id of v1, the first release (a rollback to it is refused once the hosts pruned it). */
    static String v1Release;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        registry.add("server.address", () -> "0.0.0.0");
        HostFleet.register(registry, shop, 4, HOSTS);
        registry.add("runbook.targets.shop.releases.keep", () -> "2");
    }

    @BeforeAll
    static void makeHosts() {
        Assumptions.assumeTrue(HostNamespace.available(), "network and mount namespaces need root");
        fleet = new HostFleet(shop, HOSTS);
    }

    /** Starts each host's agent (once the platform listens); web-2's own configuration crashes the last release. */
    private static void startAgents() throws Exception {
        fleet.startAgents(
                Map.of("runbook.targets.shop.releases.keep", "2"),
                Map.of("web-2", Map.of("runbook.targets.shop.env.CRASH_HERE", "yes")));
    }

    @AfterAll
    static void removeHosts() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static String release(String version, boolean crashesWhereConfigured) {
        return fleet.release(version, crashesWhereConfigured);
    }

    private static URI url(String host) {
        return fleet.url(host);
    }

    private static String served(String host) {
        return fleet.served(host);
    }

    private static List<String> hostsOf(String runId, String activityId) {
        return HostFleet.hostsOf(runId, activityId);
    }

    @Test
    @Order(1)
    void shouldDeployEachHostOnItsOwnDisk() throws Exception {
        startAgents();
        JsonPath run =
                awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", release("v1", false))), RUN);

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        v1Release = run.getString("backupId");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v1\"");
            assertThat(shop.root.resolve(host + "-disk/current"))
                    .as(host + " has its own current")
                    .exists();
        }
        assertThat(hostsOf(run.getString("runId"), "Task_SwitchRelease")).containsExactly("web-1", "web-2");
        assertThat(shop.home.resolve("current"))
                .as("the platform's own disk is not a host's")
                .doesNotExist();
    }

    @Test
    @Order(2)
    void shouldRollV2OutOneHostAtATime() {
        String ref = release("v2", false);
        JsonPath run;
        List<Poller.Poll> web1;
        List<Poller.Poll> web2;
        try (Poller poller = Poller.start(
                Map.of("web-1", url("web-1"), "web-2", url("web-2")), Duration.ofMillis(50), Duration.ofSeconds(2))) {
            run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", ref)), RUN);
            poller.close();
            web1 = poller.polls("web-1");
            web2 = poller.polls("web-2");
        }

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v2\"");
        }
        // web-1 served v2 while web-2 still served v1: one host at a time, web-1 first
        Instant web1OnV2 = web1.stream()
                .filter(p -> p.servedBy("v2"))
                .findFirst()
                .orElseThrow()
                .sent();
        Instant web2OnV2 = web2.stream()
                .filter(p -> p.servedBy("v2"))
                .findFirst()
                .orElseThrow()
                .sent();
        assertThat(web1OnV2).isBefore(web2OnV2);
        assertThat(web2).anyMatch(p -> p.servedBy("v1") && p.sent().isAfter(web1OnV2));
        // whenever one host did not answer (its reload), the other one did
        for (Poller.Poll down : web1.stream().filter(p -> !p.ok()).toList()) {
            assertThat(web2.stream()
                            .filter(p -> !p.ok())
                            .anyMatch(p -> p.sent().isBefore(down.received())
                                    && down.sent().isBefore(p.received())))
                    .as("both hosts down at once around %s", down)
                    .isFalse();
        }
    }

    @Test
    @Order(3)
    void shouldSwitchEveryHostBackWhenTheReleaseCrashesOnTheSecond() {
        JsonPath run =
                awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", release("v3", true))), RUN);

        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure")).contains("host web-2").contains("CRASH_HERE");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v2\"");
        }
        String runId = run.getString("runId");
        assertThat(hostsOf(runId, "Task_SwitchRelease")).containsExactly("web-1", "web-2");
        assertThat(hostsOf(runId, "Task_SwitchBack")).containsExactly("web-2", "web-1");
        assertThat(hostsOf(runId, "Task_HealthCheckPreviousRelease")).containsExactly("web-2", "web-1");
        // the run page shows each host's step, the failed one on web-2 (its reload, or its health check: PM2 may stop
        // the crashing app before the reload step ends), each with its own log
        assertThat(run.getList("steps.findAll { it.activityId == 'Task_HealthCheck' }.host"))
                .startsWith("web-1");
        assertThat(run.getString("steps.find { it.outcome == 'FAILED' }.host")).isEqualTo("web-2");
        String failedStep = run.getString("steps.find { it.outcome == 'FAILED' }.activityId");
        assertThat(failedStep).isIn("Task_Pm2Reload", "Task_HealthCheck");
        String crashLog = as("alice")
                .get("/api/runs/" + runId + "/steps/" + failedStep + "/log?host=web-2")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(crashLog).contains("CRASH_HERE");
        assertThat(as("alice")
                        .get("/api/runs/" + runId + "/steps/Task_HealthCheck/log?host=web-1")
                        .asString())
                .doesNotContain("CRASH_HERE");
        as("alice")
                .get("/api/runs/" + runId + "/steps/Task_HealthCheck/log?host=../x")
                .then()
                .statusCode(400);
    }

    @Test
    @Order(4)
    void shouldApplyTheRetentionOnEachHostsOwnDisk() throws Exception {
        JsonPath run =
                awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", release("v4", false))), RUN);

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        for (String host : HOSTS) {
            Path releases = shop.root.resolve(host + "-disk/releases");
            try (var entries = Files.list(releases)) {
                // releases.keep 2: v4 serves, v2 served before it; v1 is gone (v3 was discarded by its rollback)
                assertThat(entries.map(p -> p.getFileName().toString()).toList())
                        .as(host)
                        .hasSize(2)
                        .contains(run.getString("backupId"));
            }
            assertThat(served(host)).as(host).contains("\"version\":\"v4\"");
        }
        assertThat(hostsOf(run.getString("runId"), "Task_PruneReleases")).containsExactly("web-1", "web-2");
    }

    @Test
    @Order(5)
    void shouldRollBackHostByHostAndRefuseAReleaseTheHostsPruned() {
        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/rollbacks", Map.of()), RUN);

        // the release before v4 that the platform recorded: v2 (v3 never passed its check), on both hosts' disks
        assertThat(run.getString("outcome")).isEqualTo("RESTORED");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v2\"");
        }
        assertThat(hostsOf(run.getString("runId"), "Task_SwitchRelease")).containsExactly("web-1", "web-2");
        // the target view: what serves as recorded (the platform's own disk has none of it), and each host's health
        JsonPath target = as("alice").get("/api/targets").jsonPath();
        assertThat(target.getString("find { it.name == 'shop' }.currentRelease.releaseId"))
                .isEqualTo(run.getString("backupId"));
        assertThat(target.getString("find { it.name == 'shop' }.currentRelease.drift"))
                .isNull();
        assertThat(target.getList("find { it.name == 'shop' }.hosts.name")).containsExactly("web-1", "web-2");
        assertThat(target.getList("find { it.name == 'shop' }.hosts.status")).containsOnly("UP");
        assertThat(target.getList("find { it.name == 'shop' }.hosts.details.client", String.class))
                .as("each host's agent version")
                .allMatch(client -> client.startsWith("runbook-agent/"))
                .hasSize(2);
        assertThat(target.getList("find { it.name == 'shop' }.hosts.details.agentUser"))
                .as("the agents' accounts stay in /actuator/health")
                .containsOnlyNulls();
        assertThat(as("alice").get("/api/targets/shop/releases").jsonPath().getString("find { it.current }.id"))
                .isEqualTo(run.getString("backupId"));

        // v1 is recorded, but each host's retention pruned it: refused on web-1 before anything changed
        JsonPath refused = awaitEnd(start("alice", "/api/targets/shop/rollbacks", Map.of("releaseId", v1Release)), RUN);
        assertThat(refused.getString("outcome")).isEqualTo("REVERTED");
        assertThat(refused.getString("failure")).contains("host web-1").contains("no release " + v1Release);
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v2\"");
        }
        as("alice")
                .contentType("application/json")
                .body(Map.of("releaseId", "20200101_000000_fffffff"))
                .post("/api/targets/shop/rollbacks")
                .then()
                .statusCode(404);
    }

    @Test
    @Order(6)
    void shouldGiveAHostThatServesNothingItsFirstReleaseAndRefuseOneSwitchedByHand() throws Exception {
        // web-2 as a host new to the target: no current (its old apps still run from memory)
        Files.delete(shop.root.resolve("web-2-disk/current"));

        JsonPath run =
                awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", release("v5", false))), RUN);

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v5\"");
        }
        assertThat(shop.root.resolve("web-2-disk/current")).exists();

        // web-1 switched by hand to another release: refused on web-1 before anything changed, with the way out
        Path current = shop.root.resolve("web-1-disk/current");
        String v5 = Files.readSymbolicLink(current).toString();
        String other;
        try (var releases = Files.list(shop.root.resolve("web-1-disk/releases"))) {
            other = releases.map(p -> p.getFileName().toString())
                    .filter(id -> !v5.endsWith(id))
                    .findFirst()
                    .orElseThrow();
        }
        Files.delete(current);
        Files.createSymbolicLink(current, Path.of("releases", other));
        try {
            JsonPath refused = awaitEnd(
                    start("alice", "/api/targets/shop/deployments", Map.of("gitRef", release("v6", false))), RUN);
            assertThat(refused.getString("outcome")).isEqualTo("FAILED");
            assertThat(refused.getString("failure"))
                    .contains("host web-1")
                    .contains("switched outside the platform")
                    .contains("Point its current back");
            assertThat(served("web-2")).contains("\"version\":\"v5\"");
        } finally {
            Files.delete(current);
            Files.createSymbolicLink(current, Path.of(v5));
        }
    }

    @Test
    @Order(7)
    void shouldCheckStopStartAndPinOnEveryHostThroughItsAgent() {
        // the platform's own PM2 does not run this target's apps: no answer from it that would look like one
        for (String path : List.of("/api/targets/shop/services", "/api/targets/shop/health-report")) {
            as("alice").get(path).then().statusCode(409).body("detail", containsString("runs on hosts [web-1, web-2]"));
        }

        JsonPath healthy = awaitEnd(monitor(), RUN);
        String report = historicVariable(healthy.getString("runId"), "healthReport");
        JsonPath hosts = new JsonPath(report);
        for (String host : HOSTS) {
            assertThat(hosts.getString("hosts.'" + host + "'.components[0].app.status"))
                    .as(host)
                    .isEqualTo("online");
            assertThat(hosts.getInt("hosts.'" + host + "'.components[0].http.status"))
                    .as(host)
                    .isEqualTo(200);
        }
        assertThat(HostFleet.hostsOf(healthy.getString("runId"), "Task_CheckHealth"))
                .containsExactlyInAnyOrder("web-1", "web-2");

        // service-control goes through every host's own PM2, one host after the other
        JsonPath stopped = awaitEnd(start("alice", "/api/targets/shop/services/" + shop.app + "/stop", Map.of()), RUN);
        assertThat(stopped.getString("outcome")).isEqualTo("DONE");
        assertThat(HostFleet.hostsOf(stopped.getString("runId"), "Task_ControlService"))
                .containsExactly("web-1", "web-2");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).startsWith("unreachable");
        }
        JsonPath down = awaitEnd(monitor(), RUN);
        assertThat(down.getString("outcome")).isEqualTo("UNHEALTHY");
        String reasons = historicVariable(down.getString("runId"), "unhealthyReasons");
        assertThat(reasons).contains("web-1: ").contains("web-2: ");

        JsonPath started = awaitEnd(start("alice", "/api/targets/shop/services/" + shop.app + "/start", Map.of()), RUN);
        assertThat(started.getString("outcome")).isEqualTo("DONE");
        for (String host : HOSTS) {
            assertThat(served(host)).as(host).contains("\"version\":\"v5\"");
        }

        // the plan an operator (and an approver) reads says where each step runs
        JsonPath plan = as("alice")
                .get("/api/targets/shop/plan?processKey=deploy&gitRef=rolling-v5")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(plan.getString("steps.find { it.activityId == 'Task_SwitchRelease' }.note"))
                .contains("on each host in turn: web-1, web-2");
        assertThat(plan.getString("steps.find { it.activityId == 'Task_InstallAndBuild' }.note"))
                .contains("on each host in turn: web-1, web-2");
        assertThat(String.valueOf(plan.getString("steps.find { it.activityId == 'Task_RecordRelease' }.note")))
                .as("recorded once, on the platform")
                .doesNotContain("web-1");

        // a backup pins the serving release on each host's own disk
        JsonPath backup = awaitEnd(start("alice", "/api/targets/shop/backups", Map.of()), RUN);
        assertThat(backup.getString("outcome")).isEqualTo("BACKED_UP");
        for (String host : HOSTS) {
            assertThat(shop.root.resolve(host + "-disk/.runbook/pins/" + backup.getString("backupId")))
                    .as(host)
                    .exists();
        }
    }

    /** Starts a monitor run (the watch mode's run) over the engine's REST API, as an administrator. */
    private static String monitor() {
        return as("admin")
                .contentType("application/json")
                .body(Map.of("variables", Map.of("target", Map.of("value", "shop", "type", "String"))))
                .post("/engine-rest/process-definition/key/monitor/start")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    /** A run-level variable of an ended run, from the engine's history. */
    private static String historicVariable(String runId, String name) {
        return as("admin")
                .get("/engine-rest/history/variable-instance?processInstanceId=" + runId + "&variableName=" + name)
                .jsonPath()
                .getList("findAll { it.activityInstanceId == '" + runId + "' }.value", String.class)
                .get(0);
    }
}

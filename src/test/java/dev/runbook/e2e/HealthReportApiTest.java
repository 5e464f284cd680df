package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.runbook.testsupport.FixtureApp;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code GET /api/targets/{t}/health-report} against a real PM2 app in each state (serving, writing error lines,
 * crashing in a loop, stopped), a full disk simulated by a threshold (target {@code full}, same app, disk limit 0 %),
 * the log filters {@code since} and {@code grep}, and the platform's tool and target health with a missing tool.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthReportApiTest {

    @RegisterExtension
    static final FixtureTarget shop =
            new FixtureTarget("health-report-" + ProcessHandle.current().pid());

    static final FixtureApp app = new FixtureApp(shop);
    static final String REPORT = "/api/targets/shop/health-report";

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("toolsHealthContributor")
    CompositeHealthContributor tools;

    @Autowired
    @Qualifier("targetsHealthContributor")
    CompositeHealthContributor targets;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        lenient(registry, "shop", 100);
        registry.add("runbook.targets.shop.monitor.error-log.patterns[0]", () -> "ERROR");
        registry.add("runbook.targets.shop.monitor.error-log.patterns[1]", () -> "FATAL");
        registry.add("runbook.targets.shop.monitor.error-log.last-lines", () -> "2");
        registry.add("runbook.targets.shop.monitor.thresholds.errors", () -> "3");
        String full = "runbook.targets.full.";
        registry.add(full + "root", shop.home::toString);
        registry.add(full + "remote", shop.origin::toString);
        registry.add(full + "components.backend.dir", () -> "backend");
        registry.add(full + "components.backend.pm2-app", () -> shop.app);
        registry.add(full + "components.backend.ecosystem", () -> "backend/ecosystem.config.js");
        registry.add(
                full + "components.backend.health-url", () -> shop.healthUrl().toString());
        registry.add(full + "database.kind", () -> "mongodb");
        registry.add(full + "database.uri", () -> "mongodb://shop:monitor-secret@127.0.0.1:27017/shop");
        lenient(registry, "full", 0);
        registry.add("runbook.tools.mongodump", () -> "/nonexistent/bin/mongodump");
    }

    /** Limits the test machine cannot trip (CPU, memory), a short restart window, and the given disk limit. */
    private static void lenient(DynamicPropertyRegistry registry, String target, int diskPercent) {
        String prefix = "runbook.targets." + target + ".monitor.";
        registry.add(prefix + "restart-window", () -> "PT2.5S");
        registry.add(prefix + "thresholds.cpu-percent", () -> "100");
        registry.add(prefix + "thresholds.memory-percent", () -> "100");
        registry.add(prefix + "thresholds.disk-percent", () -> String.valueOf(diskPercent));
    }

    private static JsonPath report(String path) {
        return as("alice").get(path).then().statusCode(200).extract().jsonPath();
    }

    @Test
    @Order(1)
    void shouldReportHealthyWithAppPortHttpAndResourcesWhenTheAppServes() {
        app.serveRelease();
        JsonPath report = report(REPORT);

        assertThat(report.getList("reasons")).isEmpty();
        assertThat(report.getString("status")).isEqualTo("HEALTHY");
        assertThat(report.getString("components[0].component")).isEqualTo("backend");
        assertThat(report.getString("components[0].app.status")).isEqualTo("online");
        assertThat(report.getLong("components[0].app.pid")).isPositive();
        assertThat(report.getLong("components[0].app.memoryBytes")).isPositive();
        assertThat(report.getInt("components[0].app.restartsDuringCheck")).isZero();
        assertThat(report.getBoolean("components[0].port.listening")).isTrue();
        assertThat(report.getInt("components[0].port.port")).isEqualTo(shop.port);
        assertThat(report.getInt("components[0].http.status")).isEqualTo(200);
        assertThat(report.getInt("components[0].errorLog.matchingLines")).isZero();
        assertThat(report.getBoolean("components[0].errorLog.timestamped")).isFalse();
        assertThat(report.getLong("system.memory.totalBytes")).isPositive();
        assertThat(report.getInt("system.cpuCores")).isPositive();
        assertThat(report.getList("system.disks.name")).containsExactly("data-dir", "root");
        assertThat(report.getDouble("system.disks[0].usedPercent")).isBetween(0.0, 100.0);
        assertThat(report.getLong("tookMs")).isGreaterThanOrEqualTo(2500);
    }

    @Test
    @Order(2)
    void shouldReportAFullDiskWhenUseIsAboveTheTargetsThreshold() {
        JsonPath report = report("/api/targets/full/health-report");
        assertThat(report.getString("status")).isEqualTo("UNHEALTHY");
        assertThat(report.getList("reasons", String.class))
                .anySatisfy(reason ->
                        assertThat(reason).startsWith("disk of data-dir (").endsWith("% used (limit 0 %)"));
        assertThat(report.getString("components[0].app.status"))
                .as("the app itself is fine")
                .isEqualTo("online");
    }

    @Test
    @Order(3)
    void shouldCountErrorLinesPerPatternAndTurnUnhealthyAtTheLimit() {
        app.serve(FixtureApp.WRITING_ERRORS);
        String logs = "/api/targets/shop/services/" + shop.app + "/logs?grep=payment";
        Awaitility.await("PM2 wrote the four error lines to its log")
                .atMost(Duration.ofSeconds(30))
                .until(() -> as("alice")
                                .get(logs)
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getList("error")
                                .size()
                        == 4);
        JsonPath report = report(REPORT);

        assertThat(report.getString("status")).isEqualTo("UNHEALTHY");
        assertThat(report.getInt("components[0].errorLog.counts.ERROR")).isEqualTo(4);
        assertThat(report.getInt("components[0].errorLog.counts.FATAL")).isZero();
        assertThat(report.getBoolean("components[0].errorLog.timestamped")).isTrue();
        assertThat(report.getList("components[0].errorLog.lastLines", String.class))
                .hasSize(2)
                .last()
                .asString()
                .endsWith("ERROR payment failed order=4");
        assertThat(report.getList("reasons", String.class))
                .containsExactly("backend: 4 error-log line(s) in the last PT15M (limit 3)");
    }

    @Test
    @Order(4)
    void shouldFilterLogsBySinceAndPlainGrep() {
        String logs = "/api/targets/shop/services/" + shop.app + "/logs";
        assertThat(as("alice")
                        .get(logs + "?grep=order=2")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("error", String.class))
                .singleElement()
                .asString()
                .endsWith("ERROR payment failed order=2");
        assertThat(as("alice")
                        .get(logs + "?grep=.*")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("error"))
                .as("not a regex")
                .isEmpty();
        assertThat(as("alice")
                        .get(logs + "?since=PT10M&grep=payment")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("error"))
                .hasSize(4);
        assertThat(as("alice")
                        .get(logs + "?since=" + Instant.now().plusSeconds(3600))
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("error"))
                .isEmpty();
        as("alice").get(logs + "?since=yesterday").then().statusCode(400).body("detail", containsString("PT10M"));
        as("alice").get(logs + "?grep=" + "x".repeat(201)).then().statusCode(400);
    }

    @Test
    @Order(5)
    void shouldReportRestartsClimbingWhenTheAppCrashesInALoop() {
        app.serve(FixtureApp.CRASHING_IN_A_LOOP);
        JsonPath report = report(REPORT);

        assertThat(report.getString("status")).isEqualTo("UNHEALTHY");
        assertThat(report.getInt("components[0].app.restartsDuringCheck")).isPositive();
        assertThat(report.getList("reasons", String.class))
                .anySatisfy(reason -> assertThat(reason).contains("restarted").endsWith("(restarts climbing)"));
    }

    @Test
    @Order(6)
    void shouldReportAStoppedAppItsSilentPortAndHealthUrl() {
        app.stop();
        JsonPath report = report(REPORT);

        assertThat(report.getString("status")).isEqualTo("UNHEALTHY");
        assertThat(report.getString("components[0].app.status")).isEqualTo("stopped");
        assertThat(report.getBoolean("components[0].port.listening")).isFalse();
        assertThat(report.getString("components[0].http.error")).isNotBlank();
        assertThat(report.getList("reasons", String.class))
                .contains(
                        "backend: pm2 app '" + shop.app + "' is stopped",
                        "backend: nothing listens on 127.0.0.1:" + shop.port);
    }

    @Test
    @Order(7)
    void shouldRefuseUnknownTargetsAndAnonymousCallers() {
        as("alice").get("/api/targets/nowhere/health-report").then().statusCode(404);
        given().get(REPORT).then().statusCode(401);
    }

    @Test
    @Order(8)
    void shouldReportEachToolAndTargetAndHideDetailsFromAnonymousCallers() {
        Health git = settled(tools.getContributor("git"));
        assertThat(git.getStatus()).isEqualTo(Status.UP);
        assertThat((String) git.getDetails().get("version")).startsWith("git version");
        Health mongodump = settled(tools.getContributor("mongodump"));
        assertThat(mongodump.getStatus()).as("needed by target full").isEqualTo(new Status("DEGRADED"));
        assertThat(mongodump.getDetails()).containsEntry("found", false);
        Health pgDump = settled(tools.getContributor("pg_dump"));
        assertThat(pgDump.getStatus()).as("found or not needed").isIn(Status.UP, Status.UNKNOWN);
        Health target = settled(targets.getContributor("shop"));
        assertThat(target.getStatus()).isEqualTo(Status.UP);
        assertThat(target.getDetails()).containsEntry("rootPresent", true).containsEntry("pm2Reachable", true);

        JsonPath health =
                given().get("/actuator/health").then().statusCode(200).extract().jsonPath();
        assertThat(health.getString("status"))
                .as("a missing tool degrades a target, not the platform")
                .isEqualTo("UP");
        assertThat(health.getMap("$").keySet()).as("no details, no components").containsExactly("status");
        assertThat(given().get("/actuator/health").asString()).doesNotContain("mongodump", "version", "rootPresent");

        JsonPath admin = as("admin")
                .get("/actuator/health")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(admin.getString("components.tools.components.git.details.version"))
                .as("camunda-admin sees the details")
                .startsWith("git version");
        assertThat(admin.getString("components.targets.components.shop.details.rootPresent"))
                .isEqualTo("true");
        assertThat(admin.getString("components.tools.components.mongodump.status"))
                .isEqualTo("DEGRADED");
        for (var caller : List.of(as("alice"), given().auth().preemptive().basic("nobody", "nobody-pw"))) {
            JsonPath other = caller.get("/actuator/health")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(other.getMap("$").keySet())
                    .as("an operator, or wrong credentials: status only")
                    .containsExactly("status");
        }
    }

    /** The contributor's health once its first probe has ended (a slow probe answers UNKNOWN, probe: running). */
    private static Health settled(Object contributor) {
        HealthIndicator indicator = (HealthIndicator) contributor;
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> !"running".equals(indicator.health().getDetails().get("probe")));
        return indicator.health();
    }
}

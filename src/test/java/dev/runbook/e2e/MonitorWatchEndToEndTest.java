package dev.runbook.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.testsupport.FixtureApp;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Watch mode against a real PM2 app: {@code monitor} runs every 2 s; when the app stops, one alert reaches the
 * target's webhook (a local HTTP receiver) however many unhealthy checks follow, and one recovery message when it
 * serves again. The run meters of those checks are on {@code /actuator/prometheus}.
 */
@PlatformTest
@AutoConfigureObservability
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitorWatchEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop =
            new FixtureTarget("watch-" + ProcessHandle.current().pid());

    static final FixtureApp app = new FixtureApp(shop);
    static final List<JsonNode> received = new CopyOnWriteArrayList<>();
    static final HttpServer receiver = receiver();

    @Autowired
    HistoryService history;

    static {
        app.serveRelease();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        String monitor = "runbook.targets.shop.monitor.";
        registry.add(monitor + "interval", () -> "PT2S");
        // the deprecated alias of runbook.targets.shop.webhook.url, still read for one release
        registry.add(
                monitor + "webhook",
                () -> "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        registry.add(monitor + "restart-window", () -> "PT0.3S");
        registry.add(monitor + "thresholds.cpu-percent", () -> "100");
        registry.add(monitor + "thresholds.memory-percent", () -> "100");
        registry.add(monitor + "thresholds.disk-percent", () -> "100");
    }

    private static HttpServer receiver() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            ObjectMapper json = new ObjectMapper();
            server.createContext("/hook", exchange -> {
                received.add(json.readTree(exchange.getRequestBody()));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop(@Autowired ApplicationContext context) throws Exception {
        receiver.stop(0);
        // The context stays cached for later classes (closing it breaks their Camunda webapps); its watch would go on
        // starting a monitor run, with its PM2 calls, every 2 s for the rest of the build and slow every later class.
        // The watch's own shutdown stops it; closing the context later calls it again, which is harmless.
        context.getBean("monitorWatch", DisposableBean.class).destroy();
    }

    @Test
    @Order(1)
    void shouldAlertOncePerEpisodeAndSendOneRecoveryMessage() {
        awaitChecks("HEALTHY", Instant.EPOCH, 2);
        assertThat(received).as("no alert while healthy").isEmpty();

        app.stop();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !received.isEmpty());
        Instant alerted = Instant.now();
        awaitChecks("UNHEALTHY", alerted, 3);
        assertThat(statuses()).as("one alert for the whole episode").containsExactly("UNHEALTHY");
        JsonNode alert = received.get(0);
        assertThat(alert.path("event").asText()).isEqualTo("TARGET_UNHEALTHY");
        assertThat(alert.path("target").asText()).isEqualTo("shop");
        assertThat(alert.path("reasons").toString())
                .as("stopping or stopped")
                .contains("pm2 app '" + shop.app + "' is stop");
        assertThat(alert.path("text").asText()).startsWith("Target shop is UNHEALTHY since");
        assertThat(alert.path("runId").asText()).isNotBlank();

        app.serveRelease();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> received.size() >= 2);
        awaitChecks("HEALTHY", Instant.now(), 2);
        assertThat(statuses()).containsExactly("UNHEALTHY", "RECOVERED");
        assertThat(received.get(1).path("since").asText())
                .isEqualTo(alert.path("since").asText());
        assertThat(received.get(1).path("event").asText()).isEqualTo("TARGET_RECOVERED");
    }

    @Test
    @Order(2)
    void shouldExposeRunMetricsForPrometheus() {
        given().get("/actuator/prometheus").then().statusCode(401);
        String metrics = given().auth()
                .preemptive()
                .basic("admin", "admin-pw")
                .get("/actuator/prometheus")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(metrics)
                .contains("runbook_runs_started_total{process=\"monitor\",target=\"shop\"}")
                .contains("runbook_runs_ended_total{outcome=\"HEALTHY\",process=\"monitor\",target=\"shop\"}")
                .contains("runbook_runs_ended_total{outcome=\"UNHEALTHY\",process=\"monitor\",target=\"shop\"}")
                .contains("runbook_step_duration_seconds_count{outcome=\"completed\",process=\"monitor\","
                        + "step=\"Task_CheckHealth\"}")
                .contains("runbook_step_duration_seconds_count{outcome=\"completed\",process=\"monitor\","
                        + "step=\"Task_RaiseAlert\"}")
                .contains("runbook_step_dispatch_seconds_count{host=\"local\",path=\"job\"}")
                .contains("runbook_step_dispatch_seconds{host=\"local\",path=\"job\",quantile=\"0.95\"}")
                .contains("runbook_incidents_open ")
                .contains("runbook_delivery_deployments{target=\"shop\"} 0.0")
                .contains("runbook_delivery_change_failure_rate{target=\"shop\"} NaN")
                .contains("runbook_delivery_lead_time_seconds{target=\"shop\"}");
    }

    private void awaitChecks(String outcome, Instant startedAfter, int count) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> history.createHistoricProcessInstanceQuery()
                                .processDefinitionKey("monitor")
                                .finished()
                                .startedAfter(Date.from(startedAfter))
                                .variableValueEquals("runOutcome", outcome)
                                .count()
                        >= count);
    }

    private static List<String> statuses() {
        return received.stream().map(node -> node.path("status").asText()).toList();
    }
}

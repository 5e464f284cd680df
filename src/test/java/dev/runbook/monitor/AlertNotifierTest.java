package dev.runbook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlertNotifierTest {

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();
    private final AlertNotifier notifier = new AlertNotifier(json);
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger answer = new AtomicInteger(200);
    private HttpServer server;

    @BeforeEach
    void receiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            received.add(exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(answer.get(), -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void shouldPostTheAlertAsJsonToTheWebhook() throws Exception {
        URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        boolean sent = notifier.send(hook, alert());

        assertThat(sent).isTrue();
        assertThat(received).singleElement().asString().startsWith("application/json ");
        var body = json.readTree(received.get(0).substring("application/json ".length()));
        assertThat(body.path("target").asText()).isEqualTo("shop");
        assertThat(body.path("status").asText()).isEqualTo("UNHEALTHY");
        assertThat(body.path("text").asText()).contains("disk full");
        assertThat(body.path("reasons").get(0).asText()).isEqualTo("disk full");
        assertThat(body.path("runId").asText()).isEqualTo("run-1");
    }

    @Test
    void shouldReportAFailedDeliveryAndLogWithoutAWebhook() {
        answer.set(500);
        URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        assertThat(notifier.send(hook, alert())).isFalse();
        server.stop(0);
        assertThat(notifier.send(hook, alert())).as("receiver gone").isFalse();
        assertThat(notifier.send(null, alert())).as("no webhook: the log").isTrue();
    }

    private static AlertNotifier.Alert alert() {
        return new AlertNotifier.Alert("shop", "UNHEALTHY", "Target shop is UNHEALTHY: disk full", List.of("disk full"),
                Instant.parse("2025-01-31T10:00:00Z"), "run-1");
    }
}

package dev.runbook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.runbook.alert.RunbookAlert;
import dev.runbook.config.MonitorPolicy;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Approval;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alerts of failed backups and failed runs reach the target's monitor webhook, like the monitor's own. */
class RunbookAlertForwarderTest {

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @TempDir
    Path workdir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private RunbookAlertForwarder forwarder(URI webhook) {
        ComponentSpec web = new ComponentSpec(".", List.of("npm", "ci"), List.of("npm", "run", "build"), null, List.of(),
                "web", "ecosystem.config.js", URI.create("http://127.0.0.1:1/"));
        Target shop = new Target(workdir, "origin", "main", new Approval(true, Duration.ofHours(1)), Map.of(),
                Map.of("web", web), null, null, null, new MonitorPolicy(null, webhook, null, null, null, null));
        TargetRegistry targets = new TargetRegistry(new RunbookProperties(workdir, null, null, Map.of("shop", shop)),
                List.of());
        return new RunbookAlertForwarder(targets, new AlertNotifier(json));
    }

    @Test
    void shouldPostAFailedBackupAlertToTheTargetsWebhook() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        URI hook = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");

        forwarder(hook).forward(new RunbookAlert(Instant.parse("2025-01-01T02:00:00Z"), "shop", "run-1",
                "database backup failed", "BACKUP_FAILED: empty dump"));

        JsonNode body = json.readTree(received.get(0));
        assertThat(body.path("target").asText()).isEqualTo("shop");
        assertThat(body.path("status").asText()).isEqualTo("FAILED");
        assertThat(body.path("text").asText()).contains("database backup failed").contains("empty dump");
        assertThat(body.path("runId").asText()).isEqualTo("run-1");
    }

    @Test
    void shouldSendNothingWhenTheTargetHasNoWebhook() {
        forwarder(null).forward(new RunbookAlert(Instant.now(), "shop", "run-1", "database backup failed", "x"));
        forwarder(null).forward(new RunbookAlert(Instant.now(), "elsewhere", null, "database backup failed", "x"));

        assertThat(received).isEmpty();
    }
}

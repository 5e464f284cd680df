package dev.runbook.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Sends an alert or a recovery message of a target: an HTTP POST of {@link Alert} as JSON to the target's
 * {@code monitor.webhook} (its {@code text} field makes Slack- and Mattermost-style incoming webhooks show it), or,
 * without a webhook, a WARN (alert) or INFO (recovery) line in the platform log. The webhook URL is a secret (it often
 * carries a token): only its host is ever logged.
 */
@Component
class AlertNotifier {

    private static final Logger log = LoggerFactory.getLogger(AlertNotifier.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ObjectMapper json;

    AlertNotifier(ObjectMapper json) {
        this.json = json;
    }

    /**
     * What is sent.
     *
     * @param target  target name
     * @param status  {@code UNHEALTHY} (an episode began) or {@code RECOVERED} (it ended)
     * @param text    one human-readable paragraph
     * @param reasons the reasons of the unhealthy check (empty for a recovery)
     * @param since   when the episode began
     * @param runId   the {@code monitor} run that found it
     */
    record Alert(String target, String status, String text, List<String> reasons, Instant since, String runId) {}

    /** Sends the alert; true when it was delivered (a 2xx answer, or written to the log). Never throws. */
    boolean send(URI webhook, Alert alert) {
        if (webhook == null) {
            if ("RECOVERED".equals(alert.status())) {
                log.info("monitor: {}", alert.text());
            } else {
                log.warn("monitor ALERT: {}", alert.text());
            }
            return true;
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(webhook).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(alert))).build();
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                log.info("monitor: {} message of target {} delivered to its webhook on {}", alert.status(),
                        alert.target(), webhook.getHost());
                return true;
            }
            log.warn("monitor: webhook on {} answered {} to the {} message of target {}: {}", webhook.getHost(),
                    status, alert.status(), alert.target(), alert.text());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write alert as JSON", e);
        } catch (IOException e) {
            log.warn("monitor: webhook on {} unreachable ({}) for the {} message of target {}: {}", webhook.getHost(),
                    e.getClass().getSimpleName(), alert.status(), alert.target(), alert.text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}

package dev.runbook.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.exec.Redactor;
import dev.runbook.notify.NotificationProperties.Webhook;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Sends a notification about a target: a JSON POST of {@code {"text": ..., <fields>}} (Slack-compatible) to the
 * target's webhook ({@code runbook.targets.<t>.webhook.url}), or a log line when it has none. {@link #send} returns at
 * once: delivery runs on the notifier's own threads, retried with a doubling backoff up to the webhook's attempts,
 * then given up with a warning. A notification never fails or delays a run. The URL (a secret) never reaches a log.
 */
@Component
public class WebhookNotifier implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    private static final long MAX_BACKOFF_MILLIS = Duration.ofMinutes(5).toMillis();

    private final NotificationProperties properties;
    private final ObjectMapper json;
    private final Redactor redactor;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "runbook-webhook");
        thread.setDaemon(true);
        return thread;
    });

    public WebhookNotifier(NotificationProperties properties, ObjectMapper json, Redactor redactor) {
        this.properties = properties;
        this.json = json;
        this.redactor = redactor;
    }

    /**
     * Queues a notification for {@code target}; returns at once and never throws for delivery problems.
     *
     * @param text   the message (Slack's {@code text}); secrets are redacted
     * @param fields further JSON fields (strings, numbers, booleans, lists, maps), e.g. {@code event}, {@code runId}
     */
    public void send(String target, String text, Map<String, Object> fields) {
        String safeText = redactor.redact(text);
        Webhook webhook = properties.webhook(target);
        if (webhook == null) {
            LOG.info("notification (target {} has no webhook): {}", target, safeText);
            return;
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("text", safeText);
        fields.forEach(payload::putIfAbsent);
        byte[] body;
        try {
            body = json.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            LOG.warn("notification for target {} not sent: {}", target, e.getOriginalMessage());
            return;
        }
        executor.execute(() -> attempt(target, webhook, body, safeText, 1));
    }

    private void attempt(String target, Webhook webhook, byte[] body, String text, int attempt) {
        String failure;
        try {
            int status = http.send(request(webhook, body), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                LOG.debug("notification delivered to the webhook of target {} (attempt {})", target, attempt);
                return;
            }
            failure = "HTTP " + status;
        } catch (IOException | IllegalArgumentException e) {
            failure = e.getClass().getSimpleName() + ": " + redactor.redact(String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (attempt >= webhook.attempts()) {
            LOG.warn("webhook of target {}: gave up after {} attempt(s) ({}); the notification was: {}", target,
                    attempt, failure, text);
            return;
        }
        long delay = Math.min(MAX_BACKOFF_MILLIS, webhook.backoff().toMillis() << Math.min(attempt - 1, 20));
        LOG.info("webhook of target {}: attempt {}/{} failed ({}); next in {} ms", target, attempt,
                webhook.attempts(), failure, delay);
        try {
            executor.schedule(() -> attempt(target, webhook, body, text, attempt + 1), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            LOG.warn("webhook of target {}: not retried, the platform is stopping; the notification was: {}", target,
                    text);
        }
    }

    /** The POST; user info of the URL becomes an HTTP Basic header and is left out of the request URI. */
    private static HttpRequest request(Webhook webhook, byte[] body) {
        URI url = webhook.url();
        HttpRequest.Builder builder = HttpRequest.newBuilder().timeout(webhook.timeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (url.getRawUserInfo() == null) {
            return builder.uri(url).build();
        }
        String credentials = URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8);
        String withoutUserInfo = url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return builder.uri(URI.create(withoutUserInfo)).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))).build();
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}

package dev.runbook.notify;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The one webhook sender: a JSON POST to a webhook with the webhook's retry policy. {@link #send} returns at once:
 * delivery runs on the sender's own threads over one {@link HttpClient}, retried with a doubling backoff (first pause
 * {@code backoff}, at most 5 minutes) up to {@code attempts}, then given up with a warning. User info in the URL is
 * sent as HTTP Basic; the URL (a secret) never reaches a log. Who is told what is {@link TargetNotifier}'s business.
 */
@Component
public class WebhookSender implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
    private static final long MAX_BACKOFF_MILLIS = Duration.ofMinutes(5).toMillis();

    private final Redactor redactor;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "runbook-webhook");
        thread.setDaemon(true);
        return thread;
    });

    public WebhookSender(Redactor redactor) {
        this.redactor = redactor;
    }

    /**
     * Queues one POST of {@code body} to {@code webhook}; returns at once and never throws for delivery problems.
     *
     * @param target  whose webhook it is (for the log)
     * @param webhook where to POST, with the attempts, backoff and timeout to use
     * @param body    the JSON body (UTF-8)
     * @param text    what the body says, for the log line when it is given up (already redacted)
     * @return completes with true once a 2xx answer came, false when given up or the platform is stopping
     */
    public CompletableFuture<Boolean> send(String target, Webhook webhook, byte[] body, String text) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        try {
            executor.execute(() -> attempt(target, webhook, body, text, 1, result));
        } catch (RejectedExecutionException stopping) {
            LOG.warn(
                    "webhook of target {}: not sent, the platform is stopping; the notification was: {}", target, text);
            result.complete(false);
        }
        return result;
    }

    private void attempt(
            String target, Webhook webhook, byte[] body, String text, int attempt, CompletableFuture<Boolean> result) {
        String failure;
        try {
            int status = http.send(request(webhook, body), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            if (status >= 200 && status < 300) {
                LOG.debug("notification delivered to the webhook of target {} (attempt {})", target, attempt);
                result.complete(true);
                return;
            }
            failure = "HTTP " + status;
        } catch (IOException | IllegalArgumentException e) {
            failure = e.getClass().getSimpleName() + ": " + redactor.redact(String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.complete(false);
            return;
        }
        if (attempt >= webhook.attempts()) {
            LOG.warn(
                    "webhook of target {}: gave up after {} attempt(s) ({}); the notification was: {}",
                    target,
                    attempt,
                    failure,
                    text);
            result.complete(false);
            return;
        }
        long delay = Math.min(MAX_BACKOFF_MILLIS, webhook.backoff().toMillis() << Math.min(attempt - 1, 20));
        LOG.info(
                "webhook of target {}: attempt {}/{} failed ({}); next in {} ms",
                target,
                attempt,
                webhook.attempts(),
                failure,
                delay);
        try {
            executor.schedule(
                    () -> attempt(target, webhook, body, text, attempt + 1, result), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            LOG.warn(
                    "webhook of target {}: not retried, the platform is stopping; the notification was: {}",
                    target,
                    text);
            result.complete(false);
        }
    }

    /** The POST; user info of the URL becomes an HTTP Basic header and is left out of the request URI. */
    private static HttpRequest request(Webhook webhook, byte[] body) {
        URI url = webhook.uri();
        HttpRequest.Builder builder = HttpRequest.newBuilder()
                .timeout(webhook.timeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (url.getRawUserInfo() == null) {
            return builder.uri(url).build();
        }
        String credentials = URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8);
        String withoutUserInfo =
                url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                        + (url.getRawPath() == null ? "" : url.getRawPath())
                        + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return builder.uri(URI.create(withoutUserInfo))
                .header(
                        "Authorization",
                        "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    @Override
    public void destroy() {
        executor.shutdownNow();
    }
}

package dev.runbook.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.exec.Redactor;
import dev.runbook.notify.NotificationProperties.TargetNotifications;
import dev.runbook.notify.NotificationProperties.Webhook;
import dev.runbook.testsupport.WebhookReceiver.Received;
import dev.runbook.config.RunbookProperties;
import dev.runbook.testsupport.WebhookReceiver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Webhook delivery against a local HTTP receiver: payload, credentials, retries with backoff, giving up, no waiting. */
@ExtendWith(OutputCaptureExtension.class)
class WebhookNotifierTest {

    private final WebhookReceiver receiver = new WebhookReceiver();
    private WebhookNotifier notifier;

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.destroy();
        }
        receiver.close();
    }

    private WebhookNotifier notifier(String url, int attempts, Duration backoff) {
        Map<String, TargetNotifications> targets = url == null ? Map.of() : Map.of("shop",
                new TargetNotifications(new Webhook(URI.create(url), attempts, backoff, Duration.ofSeconds(2))));
        NotificationProperties properties = new NotificationProperties(URI.create("http://127.0.0.1:8080"), targets);
        notifier = new WebhookNotifier(properties, new ObjectMapper(), new Redactor(new RunbookProperties(Path.of("."),
                null, null, Map.of()), List.of(properties)));
        return notifier;
    }

    @Test
    void shouldPostSlackCompatibleJsonWithTheUrlsCredentialsAsBasicAuth(CapturedOutput output) {
        String url = "http://hook:s3cret-token@127.0.0.1:" + receiver.port() + "/hooks/shop";
        notifier(url, 3, Duration.ofMillis(100)).send("shop", "Run deploy on shop ended ROLLED_BACK",
                Map.of("event", "RUN_ENDED", "runId", "42"));

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().size() == 1);
        Received received = receiver.received().get(0);
        assertThat(received.path()).isEqualTo("/hooks/shop");
        assertThat(received.body()).containsEntry("text", "Run deploy on shop ended ROLLED_BACK")
                .containsEntry("event", "RUN_ENDED").containsEntry("runId", "42");
        assertThat(received.authorization()).isEqualTo("Basic " + Base64.getEncoder()
                .encodeToString("hook:s3cret-token".getBytes(StandardCharsets.UTF_8)));
        assertThat(output.getAll()).doesNotContain("s3cret-token");
    }

    @Test
    void shouldRetryWithGrowingPausesUntilTheReceiverAccepts(CapturedOutput output) {
        receiver.failFirst("/flaky", 2);
        notifier(receiver.url() + "/flaky?token=t0k3n-abc", 5, Duration.ofMillis(300)).send("shop", "backup failed",
                Map.of("event", "BACKUP_FAILED"));

        await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received().size() == 3);
        List<Received> attempts = receiver.received();
        Duration first = Duration.between(attempts.get(0).at(), attempts.get(1).at());
        Duration second = Duration.between(attempts.get(1).at(), attempts.get(2).at());
        assertThat(first).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(second).isGreaterThanOrEqualTo(Duration.ofMillis(550));
        assertThat(attempts).extracting(r -> r.body().get("text")).containsOnly("backup failed");
        assertThat(output.getAll()).contains("attempt 1/5 failed (HTTP 500)").doesNotContain("t0k3n-abc");
    }

    @Test
    void shouldGiveUpAfterTheConfiguredAttempts(CapturedOutput output) throws InterruptedException {
        receiver.failFirst("/down", 100);
        notifier(receiver.url() + "/down", 3, Duration.ofMillis(100)).send("shop", "approval waiting", Map.of());

        await().atMost(Duration.ofSeconds(10)).until(() -> output.getAll().contains("gave up after 3 attempt(s)"));
        Thread.sleep(1000);
        assertThat(receiver.received()).hasSize(3);
    }

    @Test
    void shouldReturnAtOnceWhileTheReceiverIsSlow() {
        receiver.delay(3000);
        WebhookNotifier slow = notifier(receiver.url() + "/slow", 1, Duration.ofMillis(100));

        long started = System.nanoTime();
        slow.send("shop", "one", Map.of());
        slow.send("shop", "two", Map.of());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received().size() == 2);
    }

    @Test
    void shouldLogTheNotificationWhenTheTargetHasNoWebhook(CapturedOutput output) {
        notifier(null, 1, Duration.ofMillis(100)).send("shop", "Run restart on shop ended FAILED", Map.of());

        assertThat(output.getAll()).contains("target shop has no webhook", "Run restart on shop ended FAILED");
        assertThat(receiver.received()).isEmpty();
    }
}

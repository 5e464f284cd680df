package dev.runbook.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Redactor;
import dev.runbook.notify.NotificationProperties.MonitorAlias;
import dev.runbook.notify.NotificationProperties.TargetNotifications;
import dev.runbook.notify.NotificationProperties.Webhook;
import dev.runbook.testsupport.WebhookReceiver;
import dev.runbook.testsupport.WebhookReceiver.Received;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Notifications routed to the target's webhook and delivered by the one sender, against a local HTTP receiver:
 * payload, credentials, retries with backoff, giving up, no waiting, the log without a webhook, the deprecated
 * {@code monitor.webhook} alias, redaction.
 */
@ExtendWith(OutputCaptureExtension.class)
class TargetNotifierTest {

    static final Instant AT = Instant.parse("2025-01-31T10:00:00Z");

    private final WebhookReceiver receiver = new WebhookReceiver();
    private WebhookSender sender;

    @AfterEach
    void stop() {
        if (sender != null) {
            sender.destroy();
        }
        receiver.close();
    }

    private TargetNotifier notifier(String url, int attempts, Duration backoff) {
        return notifier(
                url == null
                        ? Map.of()
                        : Map.of(
                                "shop",
                                new TargetNotifications(
                                        new Webhook((url), attempts, backoff, Duration.ofSeconds(2)), null)));
    }

    private TargetNotifier notifier(Map<String, TargetNotifications> targets) {
        NotificationProperties properties = new NotificationProperties(URI.create("http://127.0.0.1:8080"), targets);
        Redactor redactor =
                new Redactor(new RunbookProperties(Path.of("."), null, null, Map.of()), List.of(properties));
        sender = new WebhookSender(redactor);
        return new TargetNotifier(properties, sender, new ObjectMapper(), redactor);
    }

    static Notification.RunEnded rolledBack(String text) {
        return new Notification.RunEnded(
                "shop", "42", "deploy", AT, text, "ROLLED_BACK", "http://x/runs/42", "HEALTH_CHECK_FAILED");
    }

    static Notification.TargetUnhealthy unhealthy() {
        return new Notification.TargetUnhealthy(
                "shop", "run-1", AT, "Target shop is UNHEALTHY since " + AT + ": disk full", List.of("disk full"), AT);
    }

    @Test
    void shouldPostSlackCompatibleJsonWithTheUrlsCredentialsAsBasicAuth(CapturedOutput output) {
        String url = "http://hook:s3cret-token@127.0.0.1:" + receiver.port() + "/hooks/shop";
        notifier(url, 3, Duration.ofMillis(100)).notify(rolledBack("Run deploy on shop ended ROLLED_BACK"));

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().size() == 1);
        Received received = receiver.received().get(0);
        assertThat(received.path()).isEqualTo("/hooks/shop");
        assertThat(received.body())
                .containsEntry("text", "Run deploy on shop ended ROLLED_BACK")
                .containsEntry("event", "RUN_ENDED")
                .containsEntry("runId", "42")
                .containsEntry("at", "2025-01-31T10:00:00Z")
                .containsEntry("failureCode", "HEALTH_CHECK_FAILED");
        assertThat(received.authorization())
                .isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("hook:s3cret-token".getBytes(StandardCharsets.UTF_8)));
        assertThat(output.getAll()).doesNotContain("s3cret-token");
    }

    @Test
    void shouldPostAMonitorAlertWithItsStatusReasonsAndRun() throws Exception {
        CompletableFuture<Boolean> sent =
                notifier(receiver.url() + "/hook", 1, Duration.ofMillis(100)).notify(unhealthy());

        assertThat(sent.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(receiver.received())
                .singleElement()
                .extracting(Received::body)
                .satisfies(body -> assertThat(body)
                        .containsEntry("event", "TARGET_UNHEALTHY")
                        .containsEntry("target", "shop")
                        .containsEntry("status", "UNHEALTHY")
                        .containsEntry("reasons", List.of("disk full"))
                        .containsEntry("since", "2025-01-31T10:00:00Z")
                        .containsEntry("runId", "run-1"));
    }

    @Test
    void shouldRetryWithGrowingPausesUntilTheReceiverAccepts(CapturedOutput output) {
        receiver.failFirst("/flaky", 2);
        notifier(receiver.url() + "/flaky?token=t0k3n-abc", 5, Duration.ofMillis(300))
                .notify(new Notification.BackupFailed("shop", "7", "backup", AT, "backup failed", "FAILED", "u", null));

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
    void shouldGiveUpAfterTheConfiguredAttemptsAndSaySo(CapturedOutput output) throws Exception {
        receiver.failFirst("/down", 100);
        CompletableFuture<Boolean> sent =
                notifier(receiver.url() + "/down", 3, Duration.ofMillis(100)).notify(unhealthy());

        assertThat(sent.get(10, TimeUnit.SECONDS)).as("given up").isFalse();
        assertThat(output.getAll()).contains("gave up after 3 attempt(s)");
        Thread.sleep(1000);
        assertThat(receiver.received()).hasSize(3);
    }

    @Test
    void shouldGiveUpWhenTheReceiverIsGone() throws Exception {
        TargetNotifier notifier = notifier(receiver.url() + "/gone", 2, Duration.ofMillis(50));
        receiver.close();

        assertThat(notifier.notify(unhealthy()).get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void shouldReturnAtOnceWhileTheReceiverIsSlow() {
        receiver.delay(3000);
        TargetNotifier slow = notifier(receiver.url() + "/slow", 1, Duration.ofMillis(100));

        long started = System.nanoTime();
        slow.notify(rolledBack("one"));
        slow.notify(rolledBack("two"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received().size() == 2);
    }

    @Test
    void shouldLogTheNotificationWhenTheTargetHasNoWebhook(CapturedOutput output) throws Exception {
        TargetNotifier notifier = notifier(null, 1, Duration.ofMillis(100));
        boolean logged =
                notifier.notify(rolledBack("Run restart on shop ended FAILED")).get(1, TimeUnit.SECONDS);
        notifier.notify(new Notification.BackupFailed(
                "elsewhere", "8", "backup", AT, "Backup failed on elsewhere", "FAILED", "u", null));

        assertThat(logged).as("the log is the delivery").isTrue();
        assertThat(output.getAll())
                .contains(
                        "WARN",
                        "target shop has no webhook",
                        "Run restart on shop ended FAILED",
                        "target elsewhere has no webhook");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void shouldSendToTheDeprecatedMonitorWebhookAndWarnOnceAtStartUp(CapturedOutput output) {
        TargetNotifier notifier = notifier(Map.of(
                "shop", new TargetNotifications(null, new MonitorAlias((receiver.url() + "/old?token=0ld-t0ken")))));

        assertThat(output.getAll())
                .contains("runbook.targets.shop.monitor.webhook is deprecated and will be removed "
                        + "in the next release: use runbook.targets.shop.webhook.url");
        notifier.notify(unhealthy());
        notifier.notify(rolledBack("Run deploy on shop ended ROLLED_BACK"));
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().size() == 2);
        assertThat(receiver.received()).extracting(Received::path).containsOnly("/old");
        assertThat(output.getAll()).doesNotContain("0ld-t0ken");
    }

    @Test
    void shouldPreferWebhookUrlOverTheAliasAndSendOnlyThere(CapturedOutput output) throws Exception {
        TargetNotifier notifier = notifier(Map.of(
                "shop",
                new TargetNotifications(
                        Webhook.withDefaults((receiver.url() + "/new")), new MonitorAlias((receiver.url() + "/old")))));

        assertThat(output.getAll())
                .contains("runbook.targets.shop.monitor.webhook is deprecated and ignored: "
                        + "runbook.targets.shop.webhook.url is set");
        assertThat(notifier.notify(unhealthy()).get(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(300);
        assertThat(receiver.received()).extracting(Received::path).containsExactly("/new");
    }

    @Test
    void shouldRedactSecretsInEveryField() {
        String url = receiver.url() + "/hook?token=t0p-s3cret";
        notifier(url, 1, Duration.ofMillis(100))
                .notify(new Notification.TargetUnhealthy(
                        "shop",
                        "run-1",
                        AT,
                        "health check of " + url + " failed",
                        List.of("GET " + url + " timed out"),
                        AT));

        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().size() == 1);
        Map<String, Object> body = receiver.received().get(0).body();
        assertThat(body.toString()).doesNotContain("t0p-s3cret");
        assertThat((String) body.get("text")).startsWith("health check of ").contains("****");
        assertThat(body.get("reasons").toString()).contains("****");
    }
}

package dev.runbook.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.config.RunbookProperties;
import dev.runbook.notify.NotificationProperties;
import dev.runbook.notify.NotificationProperties.TargetNotifications;
import dev.runbook.notify.NotificationProperties.Webhook;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Secrets the redactor knows besides database URIs: webhook URLs. */
class RedactorWebhookTest {

    private static Redactor redactorWithWebhook(String url) {
        NotificationProperties notifications = new NotificationProperties(
                URI.create("http://127.0.0.1:8080"),
                Map.of(
                        "shop",
                        new TargetNotifications(
                                new Webhook((url), 3, Duration.ofSeconds(1), Duration.ofSeconds(1)), null)));
        return new Redactor(new RunbookProperties(Path.of("."), null, null, Map.of()), List.of(notifications));
    }

    @Test
    void shouldMaskAWebhookUrlWhereverItAppears() {
        String url = "https://hooks.example.invalid/services/T000/B000/XXXXsecretXXXX";
        String text = redactorWithWebhook(url).redact("POST " + url + " failed");

        assertThat(text).isEqualTo("POST **** failed").doesNotContain("XXXXsecretXXXX");
    }

    @Test
    void shouldMaskTheCredentialsAndTokenOfAWebhookUrlEvenWhenTheUrlIsCut() {
        Redactor redactor = redactorWithWebhook("http://hook:s3cret-pass@127.0.0.1:9/notify?token=t0k3n-value");

        assertThat(redactor.redact("user hook with s3cret-pass")).doesNotContain("s3cret-pass");
        assertThat(redactor.redact("query was token=t0k3n-value")).doesNotContain("t0k3n-value");
    }

    @Test
    void shouldToStringAWebhookWithoutItsUrl() {
        Webhook webhook =
                new Webhook(("http://hook:pw-secret@127.0.0.1:9/x"), 3, Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(webhook.toString()).doesNotContain("pw-secret").doesNotContain("127.0.0.1");
    }
}

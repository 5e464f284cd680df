package dev.runbook.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.notify.NotificationProperties.Webhook;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Binding of each target's one webhook from {@code runbook.targets.<t>.webhook.*} or the old {@code monitor.webhook}. */
class NotificationPropertiesTest {

    private static NotificationProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("runbook", NotificationProperties.class);
    }

    @Test
    void shouldBindTheTargetsWebhookWithItsPolicy() {
        NotificationProperties properties = bind(Map.of(
                "runbook.targets.shop.webhook.url",
                "https://hooks.example/a",
                "runbook.targets.shop.webhook.attempts",
                "3",
                "runbook.targets.shop.monitor.interval",
                "PT30S"));

        assertThat(properties.webhook("shop"))
                .isEqualTo(new Webhook(("https://hooks.example/a"), 3, Duration.ofSeconds(2), Duration.ofSeconds(5)));
        assertThat(properties.aliasUsers()).isEmpty();
        assertThat(properties.webhook("other")).isNull();
    }

    @Test
    void shouldReadTheDeprecatedMonitorWebhookAsTheTargetsWebhookWithTheDefaultPolicy() {
        NotificationProperties properties = bind(Map.of(
                "runbook.targets.shop.monitor.webhook",
                "https://hooks.example/old?token=abc",
                "runbook.targets.shop.monitor.interval",
                "PT30S"));

        assertThat(properties.webhook("shop")).isEqualTo(Webhook.withDefaults(("https://hooks.example/old?token=abc")));
        assertThat(properties.aliasUsers()).containsExactly(Map.entry("shop", false));
        assertThat(properties.secrets()).contains("https://hooks.example/old?token=abc", "token=abc");
    }

    @Test
    void shouldPreferWebhookUrlWhenBothAreSetAndKeepBothSecret() {
        NotificationProperties properties = bind(Map.of(
                "runbook.targets.shop.monitor.webhook",
                "https://hooks.example/old",
                "runbook.targets.shop.webhook.url",
                "https://hooks.example/new"));

        assertThat(properties.webhook("shop").url()).isEqualTo("https://hooks.example/new");
        assertThat(properties.aliasUsers()).containsExactly(Map.entry("shop", true));
        assertThat(properties.secrets()).contains("https://hooks.example/old", "https://hooks.example/new");
    }

    @Test
    void shouldKeepAPercentEncodedPasswordAndQueryAsWritten() {
        NotificationProperties properties = bind(Map.of(
                "runbook.targets.shop.webhook.url",
                "http://hu:p%40ss%3Aw@127.0.0.1:18099/hook?token=a%2Fb",
                "runbook.targets.other.monitor.webhook",
                "http://hu:p%40ss@127.0.0.1:18099/alias"));

        URI url = properties.webhook("shop").uri();
        assertThat(url.getUserInfo()).isEqualTo("hu:p@ss:w");
        assertThat(url.getRawQuery()).isEqualTo("token=a%2Fb");
        assertThat(properties.webhook("other").uri().getUserInfo()).isEqualTo("hu:p@ss");
    }
}

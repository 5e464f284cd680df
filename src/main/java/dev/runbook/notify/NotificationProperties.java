package dev.runbook.notify;

import dev.runbook.exec.Redactor;
import dev.runbook.exec.SecretSource;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The notification part of the {@code runbook.*} configuration: {@code runbook.public-url} (the base of links in
 * notifications) and each target's {@code runbook.targets.<t>.webhook}. Bound next to the rest of the target's
 * settings (RunbookProperties ignores these keys, this record ignores the others). Webhook URLs are secrets: their
 * credentials, query and the whole URL are masked by the {@link Redactor}.
 */
@Validated
@ConfigurationProperties("runbook")
public record NotificationProperties(
        @DefaultValue("http://127.0.0.1:8080") @NotNull URI publicUrl,
        Map<String, @Valid TargetNotifications> targets) implements SecretSource {

    public NotificationProperties {
        targets = targets == null ? Map.of() : Map.copyOf(targets);
    }

    /** The notification settings of one target. */
    public record TargetNotifications(@Valid Webhook webhook) {}

    /**
     * A target's webhook: JSON POSTs with a Slack-compatible {@code text}; user info in the URL is sent as HTTP Basic.
     *
     * @param url      where to POST (a secret)
     * @param attempts how many times a notification is tried before it is given up (logged)
     * @param backoff  pause before the second attempt; doubles for each further one
     * @param timeout  timeout of one POST
     */
    public record Webhook(URI url, @DefaultValue("5") @Positive int attempts,
            @DefaultValue("PT2S") @NotNull Duration backoff, @DefaultValue("PT5S") @NotNull Duration timeout) {

        @Override
        public String toString() {
            return "Webhook[url=****, attempts=" + attempts + "]";
        }
    }

    /** The webhook of that target, or null when it has none. */
    public Webhook webhook(String target) {
        TargetNotifications notifications = target == null ? null : targets.get(target);
        return notifications == null || notifications.webhook() == null || notifications.webhook().url() == null
                ? null : notifications.webhook();
    }

    /** A link into the platform: {@code public-url} + {@code path} (path starts with '/'). */
    public String link(String path) {
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    }

    @Override
    public Collection<String> secrets() {
        Set<String> secrets = new LinkedHashSet<>();
        targets.values().stream().filter(t -> t.webhook() != null && t.webhook().url() != null)
                .map(t -> t.webhook().url()).forEach(url -> {
                    secrets.add(url.toString());
                    Redactor.addUriPassword(url.toString(), secrets);
                    if (url.getRawQuery() != null && url.getRawQuery().length() >= 3) {
                        secrets.add(url.getRawQuery());
                    }
                });
        return secrets;
    }
}

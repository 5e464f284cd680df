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
 * notifications) and each target's one webhook, {@code runbook.targets.<t>.webhook.*}. The old
 * {@code runbook.targets.<t>.monitor.webhook} is still read as an alias of {@code webhook.url} for one release
 * ({@link TargetNotifier} warns about it at start-up). Bound next to the rest of the target's settings
 * (RunbookProperties ignores these keys, this record ignores the others). Webhook URLs are secrets: their
 * credentials, query and the whole URL are masked by the {@link Redactor}.
 */
@Validated
@ConfigurationProperties("runbook")
public record NotificationProperties(
        @DefaultValue("http://127.0.0.1:8080") @NotNull URI publicUrl, Map<String, @Valid TargetNotifications> targets)
        implements SecretSource {

    public NotificationProperties {
        targets = targets == null ? Map.of() : Map.copyOf(targets);
    }

    /**
     * The notification settings of one target.
     *
     * @param webhook its webhook
     * @param monitor only for the deprecated alias {@code monitor.webhook}
     */
    public record TargetNotifications(@Valid Webhook webhook, MonitorAlias monitor) {

        /** The deprecated alias {@code monitor.webhook}, or null. */
        String alias() {
            return monitor == null ? null : monitor.webhook();
        }
    }

    /**
     * {@code runbook.targets.<t>.monitor.webhook}, deprecated: read as {@code webhook.url} (with the default attempts,
     * backoff and timeout) when that is not set; to be removed in the next release.
     */
    public record MonitorAlias(String webhook) {

        public MonitorAlias {
            Webhook.check(webhook);
        }

        @Override
        public String toString() {
            return "MonitorAlias[webhook=" + (webhook == null ? "none" : "****") + "]";
        }
    }

    /**
     * A target's webhook: JSON POSTs with a Slack-compatible {@code text}; user info in the URL is sent as HTTP Basic.
     *
     * @param url      where to POST (a secret), as written: bound as a String, since binding a {@code URI} goes
     *                 through Spring's {@code URIEditor}, which encodes it again ({@code p%40ss} became
     *                 {@code p%2540ss}, and the receiver got the wrong password)
     * @param attempts how many times a notification is tried before it is given up (logged)
     * @param backoff  pause before the second attempt; doubles for each further one
     * @param timeout  timeout of one POST
     */
    public record Webhook(
            String url,
            @DefaultValue("5") @Positive int attempts,
            @DefaultValue("PT2S") @NotNull Duration backoff,
            @DefaultValue("PT5S") @NotNull Duration timeout) {

        public Webhook {
            check(url);
        }

        /** The URL as a {@link URI}, exactly as written. */
        public URI uri() {
            return URI.create(url);
        }

        /** Refuses a URL that is not a URI (at start-up, naming the property) without echoing it (a secret). */
        static void check(String url) {
            if (url != null) {
                try {
                    new URI(url);
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("the webhook URL is not a valid URI (percent-encode special "
                            + "characters in its user info and query)");
                }
            }
        }

        /** A webhook at {@code url} with the default policy: 5 attempts, 2 s first backoff, 5 s timeout. */
        public static Webhook withDefaults(String url) {
            return new Webhook(url, 5, Duration.ofSeconds(2), Duration.ofSeconds(5));
        }

        @Override
        public String toString() {
            return "Webhook[url=****, attempts=" + attempts + "]";
        }
    }

    /**
     * The webhook of that target: {@code webhook.url} with its policy, else the deprecated {@code monitor.webhook}
     * with the default policy; null when it has neither.
     */
    public Webhook webhook(String target) {
        TargetNotifications notifications = target == null ? null : targets.get(target);
        if (notifications == null) {
            return null;
        }
        if (notifications.webhook() != null && notifications.webhook().url() != null) {
            return notifications.webhook();
        }
        return notifications.alias() == null ? null : Webhook.withDefaults(notifications.alias());
    }

    /** Targets that set the deprecated {@code monitor.webhook}, with whether {@code webhook.url} is set too. */
    Map<String, Boolean> aliasUsers() {
        Map<String, Boolean> users = new java.util.TreeMap<>();
        targets.forEach((name, t) -> {
            if (t.alias() != null) {
                users.put(name, t.webhook() != null && t.webhook().url() != null);
            }
        });
        return users;
    }

    /** A link into the platform: {@code public-url} + {@code path} (path starts with '/'). */
    public String link(String path) {
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    }

    @Override
    public Collection<String> secrets() {
        Set<String> secrets = new LinkedHashSet<>();
        targets.values().stream()
                .flatMap(t -> java.util.stream.Stream.of(
                        t.webhook() == null ? null : t.webhook().url(), t.alias()))
                .filter(java.util.Objects::nonNull)
                .map(URI::create)
                .forEach(url -> {
                    secrets.add(url.toString());
                    Redactor.addUriPassword(url.toString(), secrets);
                    if (url.getRawQuery() != null && url.getRawQuery().length() >= 3) {
                        secrets.add(url.getRawQuery());
                    }
                });
        return secrets;
    }
}

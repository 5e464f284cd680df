package dev.runbook.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.exec.Redactor;
import dev.runbook.notify.NotificationProperties.Webhook;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The one place that decides who is told what: every {@link Notification} goes to the webhook of its target
 * ({@code runbook.targets.<t>.webhook.url}, or the deprecated alias {@code monitor.webhook}) through the
 * {@link WebhookSender}, once; a target without a webhook gets a log line instead (WARN for alerts, INFO otherwise).
 * Every string in the body is redacted first. Inside a transaction the notification leaves only after it commits, so a
 * rolled-back step tells nobody anything.
 */
@Component
public class TargetNotifier {

    private static final Logger LOG = LoggerFactory.getLogger(TargetNotifier.class);

    private final NotificationProperties properties;
    private final WebhookSender sender;
    private final ObjectMapper json;
    private final Redactor redactor;

    public TargetNotifier(
            NotificationProperties properties, WebhookSender sender, ObjectMapper json, Redactor redactor) {
        this.properties = properties;
        this.sender = sender;
        this.json = json;
        this.redactor = redactor;
        properties.aliasUsers().forEach((target, both) -> {
            String alias = "runbook.targets." + target + ".monitor.webhook";
            String key = "runbook.targets." + target + ".webhook.url";
            LOG.warn(
                    both
                            ? "{} is deprecated and ignored: {} is set; remove it"
                            : "{} is deprecated and will be removed in the next release: use {}",
                    alias,
                    key);
        });
    }

    /**
     * Tells the target's webhook (or the log) about {@code notification}; returns at once, never throws for delivery
     * problems.
     *
     * @return completes with true once delivered (a 2xx answer) or logged for want of a webhook, false when the
     *         webhook was given up
     */
    public CompletableFuture<Boolean> notify(Notification notification) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Runnable dispatch = () -> dispatch(notification)
                .whenComplete((sent, error) -> result.complete(error == null && Boolean.TRUE.equals(sent)));
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    dispatch.run();
                }
            });
        } else {
            dispatch.run();
        }
        return result;
    }

    private CompletableFuture<Boolean> dispatch(Notification notification) {
        String target = notification.target();
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) redacted(notification.body());
        String text = (String) body.get("text");
        Webhook webhook = properties.webhook(target);
        if (webhook == null) {
            if (notification.alert()) {
                LOG.warn("notification (target {} has no webhook): {}", target, text);
            } else {
                LOG.info("notification (target {} has no webhook): {}", target, text);
            }
            return CompletableFuture.completedFuture(true);
        }
        try {
            return sender.send(target, webhook, json.writeValueAsBytes(body), text);
        } catch (JsonProcessingException e) {
            LOG.warn("notification for target {} not sent: {}", target, e.getOriginalMessage());
            return CompletableFuture.completedFuture(false);
        }
    }

    private Object redacted(Object value) {
        if (value instanceof String text) {
            return redactor.redact(text);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(this::redacted).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((key, item) -> copy.put(key, redacted(item)));
            return copy;
        }
        return value;
    }
}

package dev.runbook.alert;

import dev.runbook.exec.Redactor;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Raises alerts: an ERROR line on the {@code dev.runbook.alert} logger and a {@link RunbookAlert} application event.
 * The text is redacted first, so no secret reaches a log or a listener.
 */
@Component
public class Alerts {

    private static final Logger log = LoggerFactory.getLogger("dev.runbook.alert");

    private final ApplicationEventPublisher events;
    private final Redactor redactor;

    public Alerts(ApplicationEventPublisher events, Redactor redactor) {
        this.events = events;
        this.redactor = redactor;
    }

    /** Raises an alert for a target (and run, if any). */
    public RunbookAlert raise(String target, String runId, String subject, String detail) {
        RunbookAlert alert = new RunbookAlert(Instant.now(), target, runId, subject, redactor.redact(detail));
        log.error("ALERT target={} run={}: {}: {}", target, runId, subject, alert.detail());
        events.publishEvent(alert);
        return alert;
    }
}

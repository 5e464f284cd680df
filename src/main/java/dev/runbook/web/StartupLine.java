package dev.runbook.web;

import dev.runbook.config.RunbookProperties;
import dev.runbook.notify.NotificationProperties;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * One line once the platform is up: where its pages, API and Camunda's webapps are ({@code runbook.public-url}), and
 * the users created from the configuration with their groups (never a password: the demo's are in the README).
 */
@Component
public class StartupLine {

    private static final Logger log = LoggerFactory.getLogger(StartupLine.class);

    private final NotificationProperties links;
    private final RunbookProperties properties;

    StartupLine(NotificationProperties links, RunbookProperties properties) {
        this.links = links;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void ready() {
        log.info(line());
    }

    /** The line, for the log and for tests. */
    public String line() {
        String users = properties.identity() == null
                ? ""
                : properties.identity().users().stream()
                        .map(user -> user.id() + " (" + String.join(", ", user.groups()) + ")")
                        .collect(Collectors.joining(", "));
        return "Runbook Platform is up: console " + links.link("/") + " (sign in at " + links.link("/login")
                + "; targets, runs, approvals), API "
                + links.link("/api") + " (documentation " + links.link("/swagger-ui/index.html") + "), Cockpit and "
                + "Tasklist " + links.link("/camunda/app/") + (users.isEmpty() ? "" : "; users: " + users);
    }
}

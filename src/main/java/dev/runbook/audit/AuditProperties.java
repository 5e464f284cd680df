package dev.runbook.audit;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code runbook.audit.*}: how long audit events and login log entries are kept, and how often a successful HTTP
 * Basic login of the same user, address and client is logged again (every API call authenticates; the webapps'
 * login form is always logged).
 */
@Validated
@ConfigurationProperties("runbook.audit")
public record AuditProperties(
        @DefaultValue("P400D") @NotNull Duration retention,
        @DefaultValue("PT30M") @NotNull Duration loginSuccessInterval) {}

package dev.runbook.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * {@code runbook.security.*}: which proxies may tell the client address ({@code X-Forwarded-For}), the login
 * slow-down and lock policy, and the largest request body {@code /api} accepts.
 *
 * @param trustedProxies IP addresses or CIDR blocks ({@code 10.0.0.0/8}) whose {@code X-Forwarded-For} is honoured;
 *                       none by default, so the socket's address is the client's
 * @param login          failed-login policy per user
 * @param maxBodySize    larger {@code /api} request bodies are refused with 413
 */
@Validated
@ConfigurationProperties("runbook.security")
public record SecurityProperties(
        List<String> trustedProxies,
        @DefaultValue @Valid Login login,
        @DefaultValue("64KB") @NotNull DataSize maxBodySize) {

    public SecurityProperties {
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    }

    /**
     * Failed logins of one user (counted until a successful login, forgotten {@code lockDuration} after the last
     * one): from the {@code slowAfter}-th on, the next attempt must wait {@code delay}, doubling per failure up to
     * {@code maxDelay} (an earlier attempt is refused unchecked); the {@code lockAfter}-th locks the user for
     * {@code lockDuration}. Other users are not affected.
     */
    public record Login(
            @DefaultValue("3") @Positive int slowAfter,
            @DefaultValue("PT2S") @NotNull Duration delay,
            @DefaultValue("PT1M") @NotNull Duration maxDelay,
            @DefaultValue("10") @Positive int lockAfter,
            @DefaultValue("PT15M") @NotNull Duration lockDuration) {}
}

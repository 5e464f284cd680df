package dev.runbook.security;

import dev.runbook.config.RunbookProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * Stops the platform at start-up, outside the {@code demo} profile, when an administrator ({@code camunda-admin}
 * member of {@code runbook.identity.users}, or {@code camunda.bpm.admin-user}) has an empty or default password
 * (its own id, a well-known one, fewer than 8 characters), or when a password or a database URI with credentials
 * comes from a configuration file inside the jar: secrets belong in the environment or in a file outside it
 * ({@code config/application.yaml}, {@code SPRING_CONFIG_IMPORT=configtree:/run/secrets/}).
 */
@Component
class StartupSecretsCheck {

    static final Set<String> DEFAULT_PASSWORDS = Set.of(
            "admin", "password", "changeme", "camunda", "demo", "secret", "12345678", "123456", "letmein", "runbook");
    static final int MIN_ADMIN_PASSWORD = 8;

    StartupSecretsCheck(ConfigurableEnvironment environment, RunbookProperties properties) {
        if (environment.acceptsProfiles(Profiles.of("demo"))) {
            return;
        }
        List<String> problems = new ArrayList<>();
        List<RunbookProperties.User> users = properties.identity().users();
        for (int i = 0; i < users.size(); i++) {
            RunbookProperties.User user = users.get(i);
            String key = "runbook.identity.users[" + i + "].password";
            if (user.groups().contains(AccessRules.ADMIN)) {
                weakness(user.id(), user.password()).ifPresent(w -> problems.add(key + " (" + user.id() + "): " + w));
            }
            insideJar(environment, key).ifPresent(problems::add);
        }
        String adminId = environment.getProperty("camunda.bpm.admin-user.id");
        if (adminId != null) {
            String password = environment.getProperty("camunda.bpm.admin-user.password");
            weakness(adminId, password == null ? adminId : password)
                    .ifPresent(w -> problems.add("camunda.bpm.admin-user.password: " + w));
            insideJar(environment, "camunda.bpm.admin-user.password").ifPresent(problems::add);
        }
        insideJar(environment, "spring.datasource.password").ifPresent(problems::add);
        properties.targets().forEach((name, target) -> {
            if (target.database() != null && target.database().uri().contains("@")) {
                insideJar(environment, "runbook.targets." + name + ".database.uri")
                        .ifPresent(problems::add);
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException("refusing to start, unsafe configuration: " + String.join("; ", problems));
        }
    }

    /** Why a password is not good enough for an administrator, if it is not. */
    static java.util.Optional<String> weakness(String userId, String password) {
        if (password == null || password.isBlank()) {
            return java.util.Optional.of("the administrator's password is empty");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (lower.equals(userId.toLowerCase(Locale.ROOT)) || DEFAULT_PASSWORDS.contains(lower)) {
            return java.util.Optional.of("the administrator's password is a default one");
        }
        if (password.length() < MIN_ADMIN_PASSWORD) {
            return java.util.Optional.of(
                    "the administrator's password has fewer than " + MIN_ADMIN_PASSWORD + " characters");
        }
        return java.util.Optional.empty();
    }

    /** A message when the (non-empty) value of {@code key} comes from a configuration file on the class path. */
    static java.util.Optional<String> insideJar(ConfigurableEnvironment environment, String key) {
        ConfigurationPropertyName name = ConfigurationPropertyName.of(key);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty property = source.getConfigurationProperty(name);
            if (property == null) {
                continue;
            }
            Object value = property.getValue();
            String origin = String.valueOf(source.getUnderlyingSource()) + " " + property.getOrigin();
            boolean packaged = origin.contains("class path resource") || origin.contains("classpath:");
            return packaged && value != null && !value.toString().isEmpty()
                    ? java.util.Optional.of(key + " is set in a file inside the application (" + property.getOrigin()
                            + "); set it in the environment or an external file")
                    : java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }
}

package dev.runbook.exec;

import dev.runbook.config.RunbookProperties;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Removes secrets from text before it reaches a log, a step log, a variable, an incident or a response: the user
 * info of any {@code scheme://user:password@host} URI, the value of {@code password=}, {@code token: },
 * {@code "apiKey":"..."}-like assignments and {@code Authorization} headers, well-known token formats (GitHub, npm,
 * Slack, AWS access keys), and every configured secret (database URI passwords raw and URL-decoded, bootstrap user
 * passwords of 8 or more characters, and whatever a {@link SecretSource} names, such as webhook URLs) wherever it
 * appears. The platform's log lines go through the redactor of the running application too ({@link LogRedaction}).
 */
@Component
public class Redactor {

    static final String MASK = "****";
    private static final Pattern URI_CREDENTIALS = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\\s]+):[^@\\s]+@");
    /** {@code password=x}, {@code PGPASSWORD=x}, {@code _authToken=x}, {@code "secret": "x"}, {@code api-key: x}. */
    private static final Pattern ASSIGNMENT = Pattern.compile("(?i)((?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]{0,40}?"
            + "(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)[A-Za-z0-9_.-]{0,40}"
            + "[\"']?\\s*[:=]\\s*[\"']?)(?!\\*{4})[^\\s\"'&,;]+");

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?i)(authorization[\"']?\\s*[:=]\\s*[\"']?" + "(?:bearer\\s+|basic\\s+|token\\s+)?)[^\\s\"',;]+");
    private static final Pattern BEARER = Pattern.compile("(?i)(\\bbearer\\s+)[A-Za-z0-9._~+/=-]{20,}");
    private static final Pattern KNOWN_TOKENS = Pattern.compile("\\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_"
            + "[A-Za-z0-9_]{20,}|npm_[A-Za-z0-9]{20,}|xox[abpors]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\\b");
    static final int MIN_USER_PASSWORD = 8;

    private final List<String> secrets;

    public Redactor(RunbookProperties properties, List<SecretSource> sources) {
        Set<String> found = new LinkedHashSet<>();
        properties.targets().values().forEach(target -> {
            if (target.database() != null) {
                addUriPassword(target.database().uri(), found);
            }
        });
        List<RunbookProperties.User> users = properties.identity() == null
                ? List.of()
                : properties.identity().users();
        users.stream()
                .map(RunbookProperties.User::password)
                .filter(password -> password != null && password.length() >= MIN_USER_PASSWORD)
                .forEach(found::add);
        sources.forEach(source -> found.addAll(source.secrets()));
        this.secrets = found.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    /** Called by Spring once the bean is built: the platform's log lines are masked with these secrets too. */
    @PostConstruct
    void joinLogRedaction() {
        LogRedaction.join(this);
    }

    /** Called by Spring when the application context closes. */
    @PreDestroy
    void leaveLogRedaction() {
        LogRedaction.leave(this);
    }

    /** Adds the password of a {@code scheme://user:password@host} URI, raw and URL-decoded, to {@code found}. */
    public static void addUriPassword(String uri, Set<String> found) {
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return;
        }
        String userInfo = uri.substring(scheme + 3, at);
        int colon = userInfo.indexOf(':');
        if (colon >= 0 && colon < userInfo.length() - 1) {
            String password = userInfo.substring(colon + 1);
            found.add(password);
            found.add(URLDecoder.decode(password, StandardCharsets.UTF_8));
        }
    }

    /** The text with every known secret and URI password replaced by {@code ****}; null stays null. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = patterns(text);
        for (String secret : secrets) {
            if (secret.length() >= 3) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }

    /** The text with URI credentials, secret assignments, authorization headers and known tokens masked. */
    static String patterns(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = URI_CREDENTIALS.matcher(text).replaceAll("$1:" + MASK + "@");
        result = AUTHORIZATION.matcher(result).replaceAll("$1" + MASK);
        result = ASSIGNMENT.matcher(result).replaceAll("$1" + MASK);
        result = BEARER.matcher(result).replaceAll("$1" + MASK);
        return KNOWN_TOKENS.matcher(result).replaceAll(MASK);
    }

    /** A URI string with its password masked, for display. */
    public String redact(URI uri) {
        return redact(uri.toString());
    }
}

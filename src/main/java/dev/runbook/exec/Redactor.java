package dev.runbook.exec;

import dev.runbook.target.RunbookProperties;
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
 * info of any {@code scheme://user:password@host} URI, and every configured secret (database URI passwords, raw and
 * URL-decoded, and whatever a {@link SecretSource} names, such as webhook URLs) wherever it appears.
 */
@Component
public class Redactor {

    static final String MASK = "****";
    private static final Pattern URI_CREDENTIALS = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\\s]+):[^@\\s]+@");

    private final List<String> secrets;

    public Redactor(RunbookProperties properties) {
        this(properties, List.of());
    }

    @org.springframework.beans.factory.annotation.Autowired
    public Redactor(RunbookProperties properties, List<SecretSource> sources) {
        Set<String> found = new LinkedHashSet<>();
        properties.targets().values().forEach(target -> {
            if (target.database() != null) {
                addUriPassword(target.database().uri(), found);
            }
        });
        sources.forEach(source -> found.addAll(source.secrets()));
        this.secrets = found.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
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
        String result = URI_CREDENTIALS.matcher(text).replaceAll("$1:" + MASK + "@");
        for (String secret : secrets) {
            if (secret.length() >= 3) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }

    /** A URI string with its password masked, for display. */
    public String redact(URI uri) {
        return redact(uri.toString());
    }
}

package dev.runbook.database;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * A database connection URI as MongoDB and libpq write them ({@code scheme://[user[:password]@]host[:port][,host...]
 * /[database][?options]}), split into its parts so that the password can travel apart from the rest (a 0600 file,
 * never an argument) and the database part can be swapped. {@link #toString()} masks the password.
 *
 * @param scheme   {@code mongodb}, {@code mongodb+srv}, {@code postgresql} or {@code postgres}
 * @param user     user name, URL-decoded; null when absent
 * @param password password, URL-decoded; null when absent
 * @param hosts    host list as written ({@code h1:27017,h2:27017})
 * @param database database name, URL-decoded; null or empty when absent
 * @param query    options after {@code ?}, as written; null when absent
 */
record DatabaseUri(String scheme, String user, String password, String hosts, String database, String query) {

    /** Database names the platform accepts (restore targets come from requests): no path, quote or space. */
    static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,63}");

    /**
     * Parses a configured URI.
     *
     * @throws IllegalArgumentException when it has no {@code scheme://} or no host (the message never holds the
     *                                  password)
     */
    static DatabaseUri parse(String uri) {
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd <= 0) {
            throw new IllegalArgumentException("database uri must start with scheme:// (mongodb:// or postgresql://)");
        }
        String scheme = uri.substring(0, schemeEnd);
        String rest = uri.substring(schemeEnd + 3);
        int queryStart = rest.indexOf('?');
        String query = queryStart < 0 ? null : rest.substring(queryStart + 1);
        String beforeQuery = queryStart < 0 ? rest : rest.substring(0, queryStart);
        int at = beforeQuery.lastIndexOf('@');
        String userInfo = at < 0 ? null : beforeQuery.substring(0, at);
        String afterUser = at < 0 ? beforeQuery : beforeQuery.substring(at + 1);
        int slash = afterUser.indexOf('/');
        String hosts = slash < 0 ? afterUser : afterUser.substring(0, slash);
        String database = slash < 0 ? null : decode(afterUser.substring(slash + 1));
        if (hosts.isBlank()) {
            throw new IllegalArgumentException("database uri has no host");
        }
        String user = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        return new DatabaseUri(scheme, user, password, hosts, database, query);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * The same URI with another database (null: none). For MongoDB the path's database is also the default
     * authentication database, so it is kept as {@code authSource} unless the options name one already.
     */
    DatabaseUri withDatabase(String name) {
        String options = query;
        boolean keepAuthSource = scheme.startsWith("mongodb")
                && user != null
                && database != null
                && !database.isEmpty()
                && !database.equals(name)
                && (query == null || !query.matches("(?i)(.*&)?authSource=.*"));
        if (keepAuthSource) {
            options = (query == null || query.isEmpty() ? "" : query + "&") + "authSource=" + encode(database);
        }
        return new DatabaseUri(scheme, user, password, hosts, name, options);
    }

    /** The full URI, password included: only for a 0600 file or a driver, never for an argument or a log. */
    String withPassword() {
        return format(true);
    }

    /** The URI without the password (the user name stays): safe as a command-line argument. */
    String withoutPassword() {
        return format(false);
    }

    private String format(boolean withPassword) {
        StringBuilder text = new StringBuilder(scheme).append("://");
        if (user != null) {
            text.append(encode(user));
            if (password != null && withPassword) {
                text.append(':').append(encode(password));
            }
            text.append('@');
        }
        text.append(hosts).append('/');
        if (database != null) {
            text.append(encode(database));
        }
        if (query != null) {
            text.append('?').append(query);
        }
        return text.toString();
    }

    /** The URI with the password masked, for logs and messages. */
    @Override
    public String toString() {
        return password == null ? withoutPassword() : withoutPassword().replaceFirst("@", ":****@");
    }
}

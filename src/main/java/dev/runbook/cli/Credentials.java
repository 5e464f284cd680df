package dev.runbook.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where the CLI signs in: {@code RUNBOOK_URL} (default {@code http://127.0.0.1:8080}), {@code RUNBOOK_USER} and
 * {@code RUNBOOK_PASSWORD} from the environment, else {@code url}, {@code user} and {@code password} from the file
 * {@code RUNBOOK_CONFIG} (default {@code ~/.config/runbook/credentials}), which only its owner may read or write
 * ({@code chmod 600}). Never from an argument: arguments are visible to every user in {@code ps}.
 */
record Credentials(String url, String user, String password) {

    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    @Override
    public String toString() {
        return "Credentials[url=" + url + ", user=" + user + "]";
    }

    /** The credentials from {@code env} (and the file it names, or the default file under {@code home}). */
    static Credentials from(Map<String, String> env, Path home) {
        Properties file = new Properties();
        Path config = env.containsKey("RUNBOOK_CONFIG")
                ? Path.of(env.get("RUNBOOK_CONFIG"))
                : home.resolve(".config/runbook/credentials");
        if (Files.isRegularFile(config)) {
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(config, LinkOption.NOFOLLOW_LINKS);
                permissions.retainAll(OTHERS);
                if (!permissions.isEmpty()) {
                    throw new PlatformClient.CallFailed(
                            RunbookCli.EXIT_SIGN_IN,
                            config + " may be read by others (" + permissions + "): run chmod 600 " + config);
                }
                try (Reader reader = Files.newBufferedReader(config)) {
                    file.load(reader);
                }
            } catch (IOException e) {
                throw new PlatformClient.CallFailed(RunbookCli.EXIT_SIGN_IN, "cannot read " + config + ": " + e);
            }
        } else if (env.containsKey("RUNBOOK_CONFIG")) {
            throw new PlatformClient.CallFailed(RunbookCli.EXIT_SIGN_IN, "no credentials file " + config);
        }
        String url = first(env.get("RUNBOOK_URL"), file.getProperty("url"), DEFAULT_URL);
        String user = first(env.get("RUNBOOK_USER"), file.getProperty("user"), null);
        String password = first(env.get("RUNBOOK_PASSWORD"), file.getProperty("password"), null);
        if (user == null || password == null) {
            throw new PlatformClient.CallFailed(
                    RunbookCli.EXIT_SIGN_IN,
                    "no credentials: set RUNBOOK_USER and RUNBOOK_PASSWORD, or write user= and password= into " + config
                            + " (chmod 600)");
        }
        return new Credentials(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, user, password);
    }

    private static String first(String a, String b, String fallback) {
        return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : fallback;
    }
}

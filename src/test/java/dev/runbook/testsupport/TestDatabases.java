package dev.runbook.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The database of each Spring test context. By default the embedded H2 file database under the context's data dir.
 * With {@code RUNBOOK_TEST_DATABASE=postgres} (the build's second test pass) each context gets a fresh PostgreSQL
 * database on {@code RUNBOOK_TEST_PG} (default {@code 127.0.0.1:5432}, user {@code postgres}, trust authentication),
 * created here and dropped when the test session ends.
 */
public class TestDatabases implements LauncherSessionListener {

    private static final List<String> created = new CopyOnWriteArrayList<>();

    static boolean postgres() {
        return "postgres".equals(System.getenv("RUNBOOK_TEST_DATABASE"));
    }

    private static String server() {
        return "jdbc:postgresql://" + System.getenv().getOrDefault("RUNBOOK_TEST_PG", "127.0.0.1:5432") + "/";
    }

    /** Points the context at a new PostgreSQL database when the PostgreSQL pass runs; nothing otherwise. */
    static void register(DynamicPropertyRegistry registry) {
        if (!postgres()) {
            return;
        }
        String name =
                "runbook_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute("CREATE DATABASE " + name);
        created.add(name);
        registry.add("spring.datasource.url", () -> server() + name);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
        // Every Spring context of the pass stays cached (closing one in a JVM that holds others breaks the Camunda
        // webapps of those: their runtime delegates are JVM-wide); so that all of them fit in the server's 100
        // connections, a context waiting in the cache gives its connections back after 10 s.
        registry.add("spring.datasource.hikari.maximum-pool-size", () -> "10");
        registry.add("spring.datasource.hikari.minimum-idle", () -> "0");
        registry.add("spring.datasource.hikari.idle-timeout", () -> "10000");
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        for (String name : created) {
            try {
                execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (RuntimeException e) {
                System.err.println("could not drop test database " + name + ": " + e.getMessage());
            }
        }
    }

    private static void execute(String sql) {
        try (Connection connection = DriverManager.getConnection(server() + "test", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL for the tests: " + sql + ": " + e.getMessage(), e);
        }
    }
}

package dev.runbook.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A scratch database on the PostgreSQL server of the build machines (127.0.0.1:5432, trust authentication, user
 * postgres), with a unique name per test class, created at construction and dropped by {@link #drop()}.
 */
public final class ScratchPostgres {

    public static final String HOST = "127.0.0.1:5432";
    public final String name;

    public ScratchPostgres(String prefix) {
        this.name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        admin("CREATE DATABASE " + name);
    }

    /** The URI of the scratch database (or another one on the same server). */
    public String uri(String database) {
        return "postgresql://postgres@" + HOST + "/" + database;
    }

    public String uri() {
        return uri(name);
    }

    /** Runs SQL statements in the scratch database. */
    public void sql(String... statements) {
        sqlIn(name, statements);
    }

    public void sqlIn(String database, String... statements) {
        try (Connection connection = connect(database);
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The single long value a query returns in a database. */
    public long queryLong(String database, String sql) {
        try (Connection connection = connect(database);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long count(String table) {
        return queryLong(name, "SELECT count(*) FROM " + table);
    }

    /** Drops the scratch database and {@code others} created next to it. */
    public void drop(String... others) {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        for (String other : others) {
            admin("DROP DATABASE IF EXISTS " + other + " WITH (FORCE)");
        }
    }

    private static void admin(String sql) {
        try (Connection connection = connect("test");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + "/" + database, "postgres", "");
    }
}

package dev.runbook.database;

import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * pg_dump and pg_restore: one custom-format archive ({@code pg_dump -Fc}, compressed), restored with
 * {@code pg_restore --clean --if-exists --single-transaction} (a failed restore changes nothing). The password goes
 * through a 0600 {@code PGPASSFILE}; the URI on the command line has none. Row counts of a dump are read back from the
 * archive itself ({@code pg_restore --data-only}: the rows of each {@code COPY} block, streamed and counted, never
 * logged); after a restore they are counted in the database over JDBC.
 */
@Component
class PostgresClient implements DatabaseClient {

    private static final byte[] ARCHIVE_MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
    private static final String IDENTIFIER = "(\"([^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)";
    /** A schema-qualified table name as pg_dump writes it ({@code public.orders}, {@code public."Order Items"}). */
    static final Pattern TABLE = Pattern.compile(IDENTIFIER + "\\." + IDENTIFIER);

    private final CommandRunner runner;
    private final Tools tools;
    private final Path secrets;

    PostgresClient(CommandRunner runner, RunbookProperties properties, DataDir dataDir) {
        this.runner = runner;
        this.tools = properties.tools();
        this.secrets = dataDir.tmp();
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    @Override
    public String suffix() {
        return ".pgdump";
    }

    @Override
    public Map<String, Long> dump(DatabaseUri uri, Path archive, StepLog log) {
        log.line("dumping " + uri + " to " + archive);
        try (SecretFile passfile = passfile(uri)) {
            runner.runChecked(
                    command(
                            List.of(
                                    tools.pgDump(),
                                    "--format=custom",
                                    "--no-password",
                                    "--file=" + archive,
                                    "--dbname=" + uri.withoutPassword()),
                            passfile),
                    log);
        }
        return countRows(archive, log);
    }

    /**
     * Reads every data block of the archive back ({@code pg_restore --data-only --file=-}, no database involved) and
     * counts the rows of each table; this also proves the whole archive decompresses.
     */
    Map<String, Long> countRows(Path archive, StepLog log) {
        PgCopyCounter counter = new PgCopyCounter();
        Command command = command(List.of(tools.pgRestore(), "--data-only", "--file=-", archive.toString()), null);
        CommandRunner.checked(command, runner.runWithStdoutTo(command, log, counter));
        log.line("archive holds " + counter.counts().size() + " table(s): " + counter.counts());
        return counter.counts();
    }

    @Override
    public void checkFormat(Path archive) {
        byte[] head = new byte[ARCHIVE_MAGIC.length];
        try (InputStream in = Files.newInputStream(archive)) {
            if (in.readNBytes(head, 0, head.length) == head.length && Arrays.equals(head, ARCHIVE_MAGIC)) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + archive, e);
        }
        throw new StepFailedException(BpmnErrors.BACKUP_INVALID, archive + " is not a pg_dump custom-format archive");
    }

    @Override
    public void ensureDatabase(DatabaseUri uri, StepLog log) {
        String name = uri.database();
        if (!DatabaseUri.DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid database name '" + name + "'");
        }
        try (Connection connection = connect(uri.withDatabase("postgres"));
                PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, name);
            try (ResultSet found = exists.executeQuery()) {
                if (found.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE \"" + name + "\"");
            }
            log.line("created database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot check or create database " + name + " on " + uri.hosts() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Long> restore(
            DatabaseUri into, Path archive, String sourceDatabase, Set<String> names, StepLog log) {
        log.line("restoring " + archive + " (database " + sourceDatabase + ") into " + into);
        try (SecretFile passfile = passfile(into)) {
            runner.runChecked(
                    command(
                            List.of(
                                    tools.pgRestore(),
                                    "--clean",
                                    "--if-exists",
                                    "--single-transaction",
                                    "--no-password",
                                    "--dbname=" + into.withoutPassword(),
                                    archive.toString()),
                            passfile),
                    log);
        }
        Map<String, Long> counts = countTables(into, names);
        log.line("restored database holds " + counts);
        return counts;
    }

    /** Rows per table in the database, for the given schema-qualified names; -1 for a table that is missing. */
    Map<String, Long> countTables(DatabaseUri uri, Set<String> names) {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Connection connection = connect(uri);
                Statement statement = connection.createStatement()) {
            for (String name : names) {
                if (!TABLE.matcher(name).matches()) {
                    throw new IllegalArgumentException("not a table name: " + name);
                }
                try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + name)) {
                    rows.next();
                    counts.put(name, rows.getLong(1));
                } catch (SQLException e) {
                    counts.put(name, -1L);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count rows in " + uri + ": " + e.getMessage(), e);
        }
        return counts;
    }

    private static Connection connect(DatabaseUri uri) throws SQLException {
        Properties properties = new Properties();
        if (uri.user() != null) {
            properties.setProperty("user", uri.user());
        }
        if (uri.password() != null) {
            properties.setProperty("password", uri.password());
        }
        String database = uri.database() == null ? "" : uri.database();
        String url =
                "jdbc:postgresql://" + uri.hosts() + "/" + database + (uri.query() == null ? "" : "?" + uri.query());
        Connection connection = DriverManager.getConnection(url, properties);
        connection.setAutoCommit(true);
        return connection;
    }

    /** A libpq password file matching any host, port, database and user; null when the URI has no password. */
    private SecretFile passfile(DatabaseUri uri) {
        if (uri.password() == null) {
            return null;
        }
        String escaped = uri.password().replace("\\", "\\\\").replace(":", "\\:");
        return SecretFile.write(secrets, "pgpass", "*:*:*:*:" + escaped + "\n");
    }

    private Command command(List<String> argv, SecretFile passfile) {
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSWORD", null);
        env.put("PGPASSFILE", passfile == null ? null : passfile.path().toString());
        try {
            Files.createDirectories(secrets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + secrets, e);
        }
        return new Command(argv, secrets.getParent(), env, tools.timeout());
    }
}

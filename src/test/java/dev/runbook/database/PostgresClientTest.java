package dev.runbook.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.ScratchPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL client against the real server and the real pg_dump/pg_restore of the build machine. */
class PostgresClientTest {

    static final ScratchPostgres pg = new ScratchPostgres("runbook_pgclient");

    @TempDir
    Path dataDir;

    private PostgresClient client;
    private StepLog log;

    @AfterAll
    static void dropScratch() {
        pg.drop(pg.name + "_copy");
    }

    @BeforeEach
    void setUp() {
        pg.sql(
                "DROP TABLE IF EXISTS orders, \"Order Items\", empty_table",
                "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'line ' || g || E'\\nsecond line' FROM generate_series(1, 250) g",
                "CREATE TABLE \"Order Items\" (id int)",
                "INSERT INTO \"Order Items\" VALUES (1), (2)",
                "CREATE TABLE empty_table (id int)");
        client = client("pg_dump", "pg_restore");
        log = StepLog.of(dataDir, "run", "Task_Dump");
    }

    private PostgresClient client(String pgDump, String pgRestore) {
        RunbookProperties properties = new RunbookProperties(
                dataDir,
                new Tools("git", "npm", "pm2", "mongodump", "mongorestore", pgDump, pgRestore, Duration.ofMinutes(1)),
                null,
                Map.of());
        return new PostgresClient(
                new CommandRunner(new Redactor(properties, List.of())), properties, new DataDir(properties));
    }

    @Test
    void shouldDumpACustomFormatArchiveAndCountEveryTablesRowsFromIt() throws Exception {
        Path archive = dataDir.resolve("db.pgdump");

        Map<String, Long> counts = client.dump(DatabaseUri.parse(pg.uri()), archive, log);

        assertThat(counts)
                .containsEntry("public.orders", 250L)
                .containsEntry("public.\"Order Items\"", 2L)
                .containsEntry("public.empty_table", 0L)
                .hasSize(3);
        client.checkFormat(archive);
        assertThat(Files.readString(log.file()))
                .as("table data never reaches the step log")
                .doesNotContain("second line")
                .contains("--format=custom");
    }

    @Test
    void shouldPutRowsBackWhenRestoringTheArchive() {
        Path archive = dataDir.resolve("db.pgdump");
        Map<String, Long> counts = client.dump(DatabaseUri.parse(pg.uri()), archive, log);
        pg.sql("DELETE FROM orders WHERE id > 10", "DROP TABLE \"Order Items\"");

        Map<String, Long> restored =
                client.restore(DatabaseUri.parse(pg.uri()), archive, pg.name, counts.keySet(), log);

        assertThat(restored).isEqualTo(counts);
        assertThat(pg.count("orders")).isEqualTo(250);
    }

    @Test
    void shouldCreateTheDatabaseAndRestoreIntoItWhenRestoringElsewhere() {
        Path archive = dataDir.resolve("db.pgdump");
        Map<String, Long> counts = client.dump(DatabaseUri.parse(pg.uri()), archive, log);
        DatabaseUri copy = DatabaseUri.parse(pg.uri()).withDatabase(pg.name + "_copy");

        client.ensureDatabase(copy, log);
        Map<String, Long> restored = client.restore(copy, archive, pg.name, counts.keySet(), log);

        assertThat(restored).isEqualTo(counts);
        assertThat(pg.queryLong(pg.name + "_copy", "SELECT count(*) FROM orders"))
                .isEqualTo(250);
    }

    @Test
    void shouldChangeNothingWhenARestoreFailsHalfWay() throws Exception {
        Path archive = dataDir.resolve("db.pgdump");
        Map<String, Long> counts = client.dump(DatabaseUri.parse(pg.uri()), archive, log);
        pg.sql("DELETE FROM orders WHERE id > 10", "CREATE VIEW orders_view AS SELECT id FROM orders");

        assertThatThrownBy(() -> client.restore(DatabaseUri.parse(pg.uri()), archive, pg.name, counts.keySet(), log))
                .as("DROP TABLE orders fails: a view depends on it")
                .isInstanceOf(CommandFailedException.class)
                .hasMessageContaining("exited with code 1");
        assertThat(pg.count("orders")).as("single transaction: nothing changed").isEqualTo(10);
        pg.sql("DROP VIEW orders_view");
    }

    @Test
    void shouldHandThePasswordToLibpqThroughAPrivatePassfileOnly() throws Exception {
        Path captured = dataDir.resolve("captured.txt");
        Path wrapper = dataDir.resolve("pg_dump_wrapper");
        Files.writeString(wrapper, """
                #!/bin/sh
                { cat "$PGPASSFILE"; stat -c '%%a' "$PGPASSFILE"; echo "PGPASSWORD=$PGPASSWORD"; echo "$@"; } > %s
                exec pg_dump "$@"
                """.formatted(captured));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        String uri = "postgresql://postgres:p%40ss%3Aw%5Crd@" + ScratchPostgres.HOST + "/" + pg.name;

        client(wrapper.toString(), "pg_restore").dump(DatabaseUri.parse(uri), dataDir.resolve("db.pgdump"), log);

        List<String> lines = Files.readAllLines(captured);
        assertThat(lines.get(0)).isEqualTo("*:*:*:*:p@ss\\:w\\\\rd");
        assertThat(lines.get(1)).isEqualTo("600");
        assertThat(lines.get(2)).isEqualTo("PGPASSWORD=");
        assertThat(lines.get(3))
                .doesNotContain("p@ss")
                .doesNotContain("p%40ss")
                .contains("--dbname=postgresql://postgres@" + ScratchPostgres.HOST + "/" + pg.name);
        try (var files = Files.list(dataDir.resolve("tmp"))) {
            assertThat(files).as("passfile deleted").isEmpty();
        }
    }

    @Test
    void shouldRefuseAFileThatIsNotAPgDumpArchive() throws Exception {
        Path notAnArchive = Files.writeString(dataDir.resolve("x.pgdump"), "-- plain SQL, not custom format");

        assertThatThrownBy(() -> client.checkFormat(notAnArchive)).isInstanceOf(StepFailedException.class);
        assertThatThrownBy(() -> client.countRows(notAnArchive, log)).isInstanceOf(CommandFailedException.class);
    }

    @Test
    void shouldCountMissingTablesAsMinusOne() {
        assertThat(client.countTables(DatabaseUri.parse(pg.uri()), Set.of("public.orders", "public.nope")))
                .containsEntry("public.orders", 250L)
                .containsEntry("public.nope", -1L);
    }
}

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
import dev.runbook.exec.ToolMissingException;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.MongoStandins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MongoDB client against the stand-in mongodump/mongorestore (the real tools are not available here). */
class MongoClientTest {

    private static final String PASSWORD = "p@ss:w/rd'%x";
    private static final String URI = "mongodb://app:p%40ss%3Aw%2Frd'%25x@127.0.0.1:27017/shop?authSource=admin";

    @TempDir
    Path dataDir;

    private final MongoStandins mongo = new MongoStandins();
    private MongoClient client;
    private StepLog log;

    @AfterEach
    void removeStandins() {
        mongo.delete();
    }

    @BeforeEach
    void setUp() {
        mongo.users(Map.of("app", Map.of("password", PASSWORD, "db", "admin")));
        mongo.collection("shop", "orders", List.of(Map.of("_id", 1), Map.of("_id", 2), Map.of("_id", 3)));
        mongo.collection("shop", "customers", List.of(Map.of("_id", "c1")));
        client = client(mongo.mongodump(), mongo.mongorestore());
        log = StepLog.of(dataDir, "run", "Task_Dump");
    }

    private MongoClient client(String mongodump, String mongorestore) {
        RunbookProperties properties = new RunbookProperties(
                dataDir,
                new Tools("git", "npm", "pm2", mongodump, mongorestore, "pg_dump", "pg_restore", Duration.ofMinutes(1)),
                null,
                Map.of());
        return new MongoClient(
                new CommandRunner(new Redactor(properties, List.of())), properties, new DataDir(properties));
    }

    @Test
    void shouldDumpOneGzipArchiveAndReportCountsFromTheToolOutput() throws Exception {
        Path archive = dataDir.resolve("shop.archive.gz");

        Map<String, Long> counts = client.dump(DatabaseUri.parse(URI), archive, log);

        assertThat(counts).containsExactly(Map.entry("customers", 1L), Map.entry("orders", 3L));
        assertThat(Files.size(archive)).isGreaterThan(DbBackups.MIN_ARCHIVE_BYTES);
        client.checkFormat(archive);
        assertThat(mongo.calls())
                .singleElement()
                .satisfies(call -> assertThat(call.get("argv"))
                        .asList()
                        .contains("--archive=" + archive, "--gzip")
                        .anySatisfy(arg -> assertThat(arg.toString()).startsWith("--config=")));
    }

    @Test
    void shouldPassThePasswordOnlyThroughAPrivateConfigFileThatIsDeletedAfterwards() throws Exception {
        client.dump(DatabaseUri.parse(URI), dataDir.resolve("a.archive.gz"), log);

        Map<String, Object> call = mongo.calls().get(0);
        assertThat(call.get("config_mode")).isEqualTo("0o600");
        assertThat(Path.of((String) call.get("config"))).doesNotExist();
        assertThat(call.get("argv").toString())
                .doesNotContain("p@ss")
                .doesNotContain("p%40ss")
                .doesNotContain("app");
        assertThat(Files.readString(log.file()))
                .doesNotContain("p@ss")
                .doesNotContain("p%40ss")
                .contains("mongodb://app:****@127.0.0.1:27017/shop");
    }

    @Test
    void shouldRestoreIntoAnotherDatabaseWithNamespaceMappingAndReportRestoredCounts() {
        Path archive = dataDir.resolve("shop.archive.gz");
        client.dump(DatabaseUri.parse(URI), archive, log);
        mongo.collection("shop", "orders", List.of());

        Map<String, Long> restored = client.restore(
                DatabaseUri.parse(URI).withDatabase("shop_copy"), archive, "shop", Set.of("orders", "customers"), log);

        assertThat(restored).containsEntry("orders", 3L).containsEntry("customers", 1L);
        assertThat(mongo.documents("shop_copy", "orders")).hasSize(3);
        assertThat(mongo.documents("shop", "orders"))
                .as("source database untouched")
                .isEmpty();
        assertThat(mongo.calls().get(1).get("argv"))
                .asList()
                .contains("--drop", "--nsInclude=shop.*", "--nsFrom=shop.*", "--nsTo=shop_copy.*");
    }

    @Test
    void shouldDropAndReplaceCollectionsWhenRestoringIntoTheSameDatabase() {
        Path archive = dataDir.resolve("shop.archive.gz");
        client.dump(DatabaseUri.parse(URI), archive, log);
        mongo.collection("shop", "orders", List.of(Map.of("_id", 9)));

        client.restore(DatabaseUri.parse(URI), archive, "shop", Set.of("orders"), log);

        assertThat(mongo.documents("shop", "orders"))
                .extracting(d -> d.get("_id"))
                .containsExactly(1, 2, 3);
        assertThat(mongo.calls().get(1).get("argv").toString()).doesNotContain("--nsFrom");
    }

    @Test
    void shouldFailNamingTheExitCodeWhenTheToolFails() {
        mongo.failDump("can't create session: connection refused");

        assertThatThrownBy(() -> client.dump(DatabaseUri.parse(URI), dataDir.resolve("x.archive.gz"), log))
                .isInstanceOf(CommandFailedException.class)
                .hasMessageContaining("exited with code 1")
                .hasMessageContaining("connection refused")
                .hasMessageNotContaining("p@ss");
    }

    @Test
    void shouldFailAuthenticationWhenThePasswordIsWrong() {
        String wrong = "mongodb://app:other@127.0.0.1:27017/shop?authSource=admin";

        assertThatThrownBy(() -> client.dump(DatabaseUri.parse(wrong), dataDir.resolve("x.archive.gz"), log))
                .isInstanceOf(CommandFailedException.class)
                .hasMessageContaining("Authentication failed");
    }

    @Test
    void shouldReportAMissingToolAsToolMissing() {
        MongoClient missing = client(dataDir.resolve("no-such-mongodump").toString(), mongo.mongorestore());

        assertThatThrownBy(() -> missing.dump(DatabaseUri.parse(URI), dataDir.resolve("x.archive.gz"), log))
                .isInstanceOf(ToolMissingException.class)
                .hasMessageContaining("no-such-mongodump");
    }

    @Test
    void shouldRefuseAFileThatIsNotAMongodumpArchive() throws Exception {
        Path notAnArchive = Files.writeString(dataDir.resolve("x.archive.gz"), "hello, this is not an archive");

        assertThatThrownBy(() -> client.checkFormat(notAnArchive))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("not a mongodump archive");
    }
}

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * mongodump and mongorestore: one {@code --archive} file with {@code --gzip} (no uncompressed copy on disk), the
 * connection URI with its password in a 0600 {@code --config} file (YAML {@code uri:}), never on the command line.
 * Counts come from the tools' own progress lines: {@code done dumping shop.orders (42 documents)} and
 * {@code finished restoring shop.orders (42 documents, 0 failures)}.
 */
@Component
class MongoClient implements DatabaseClient {

    /** First four bytes of every mongodump archive (0x8199e26d, little-endian). */
    static final byte[] ARCHIVE_MAGIC = {0x6d, (byte) 0xe2, (byte) 0x99, (byte) 0x81};

    private static final Pattern DUMPED = Pattern.compile("done dumping (\\S+) \\((\\d+) documents?\\)");
    private static final Pattern RESTORED =
            Pattern.compile("finished restoring (\\S+) \\((\\d+) documents?, (\\d+) failures?\\)");

    private final CommandRunner runner;
    private final Tools tools;
    private final Path secrets;

    MongoClient(CommandRunner runner, RunbookProperties properties, DataDir dataDir) {
        this.runner = runner;
        this.tools = properties.tools();
        this.secrets = dataDir.tmp();
    }

    @Override
    public String kind() {
        return "mongodb";
    }

    @Override
    public String suffix() {
        return ".archive.gz";
    }

    @Override
    public Map<String, Long> dump(DatabaseUri uri, Path archive, StepLog log) {
        log.line("dumping " + uri + " to " + archive);
        Map<String, Long> counts = new LinkedHashMap<>();
        String prefix = uri.database() + ".";
        try (SecretFile config = config(uri)) {
            Command command =
                    command(List.of(tools.mongodump(), "--config=" + config.path(), "--archive=" + archive, "--gzip"));
            CommandRunner.checked(command, runner.runObserved(command, log, line -> {
                Matcher matcher = DUMPED.matcher(line);
                if (matcher.find() && matcher.group(1).startsWith(prefix)) {
                    counts.put(matcher.group(1).substring(prefix.length()), Long.parseLong(matcher.group(2)));
                }
            }));
        }
        return counts;
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
        throw new StepFailedException(BpmnErrors.BACKUP_INVALID, archive + " is not a mongodump archive");
    }

    @Override
    public void ensureDatabase(DatabaseUri uri, StepLog log) {
        // MongoDB creates a database on its first write.
    }

    @Override
    public Map<String, Long> restore(
            DatabaseUri into, Path archive, String sourceDatabase, Set<String> names, StepLog log) {
        String target = into.database();
        log.line("restoring " + archive + " (database " + sourceDatabase + ") into " + into);
        List<String> argv = new ArrayList<>(List.of(
                tools.mongorestore(),
                "",
                "--archive=" + archive,
                "--gzip",
                "--drop",
                "--nsInclude=" + sourceDatabase + ".*"));
        if (!target.equals(sourceDatabase)) {
            argv.add("--nsFrom=" + sourceDatabase + ".*");
            argv.add("--nsTo=" + target + ".*");
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        String prefix = target + ".";
        try (SecretFile config = config(into.withDatabase(null))) {
            argv.set(1, "--config=" + config.path());
            Command command = command(argv);
            CommandRunner.checked(command, runner.runObserved(command, log, line -> {
                Matcher matcher = RESTORED.matcher(line);
                if (matcher.find() && matcher.group(1).startsWith(prefix)) {
                    counts.put(matcher.group(1).substring(prefix.length()), Long.parseLong(matcher.group(2)));
                }
            }));
        }
        return counts;
    }

    private SecretFile config(DatabaseUri uri) {
        return SecretFile.write(
                secrets, "mongo-tools.yaml", "uri: '" + uri.withPassword().replace("'", "''") + "'\n");
    }

    private Command command(List<String> argv) {
        return new Command(argv, secrets.getParent(), Map.of(), tools.timeout());
    }
}

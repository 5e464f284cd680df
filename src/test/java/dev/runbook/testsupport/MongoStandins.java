package dev.runbook.testsupport;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * Stand-in {@code mongodump} and {@code mongorestore} executables (src/test/resources/standins/mongo-standin.py,
 * Python 3) in a temporary folder, with their "server": {@code store/<database>/<collection>.json}. No MongoDB server
 * or database tools can be had on the build machines; the stand-ins honour the real tools' command-line contract
 * (options, progress lines, exit codes, an archive file) so the MongoDB path runs end to end against them.
 */
public final class MongoStandins {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path root;

    public MongoStandins() {
        try {
            root = Files.createTempDirectory("mongo-standins-");
            Path bin = Files.createDirectories(root.resolve("bin"));
            for (String tool : List.of("mongodump", "mongorestore")) {
                try (InputStream script = MongoStandins.class.getResourceAsStream("/standins/mongo-standin.py")) {
                    Files.copy(script, bin.resolve(tool));
                }
                Files.setPosixFilePermissions(bin.resolve(tool), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the stand-ins and their store. */
    public void delete() {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String mongodump() {
        return root.resolve("bin/mongodump").toString();
    }

    public String mongorestore() {
        return root.resolve("bin/mongorestore").toString();
    }

    /** Replaces a collection's documents in the stand-in server. */
    public void collection(String database, String name, List<Map<String, Object>> documents) {
        write(root.resolve("store").resolve(database).resolve(name + ".json"), documents);
    }

    /** A collection's documents, or null when it does not exist. */
    public List<Map<String, Object>> documents(String database, String name) {
        Path file = root.resolve("store").resolve(database).resolve(name + ".json");
        try {
            return Files.exists(file) ? JSON.readValue(file.toFile(), new TypeReference<>() {}) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requires authentication: user -> {password, db}. */
    public void users(Map<String, Map<String, String>> users) {
        write(root.resolve("users.json"), users);
    }

    /** Makes the next mongodump calls fail with this message (null: stop failing). */
    public void failDump(String message) {
        toggle("fail-mongodump", message);
    }

    /** Makes the next mongorestore fail after restoring this many collections (once; null: don't). */
    public void failRestoreAfter(Integer collections) {
        toggle("fail-mongorestore-after", collections == null ? null : collections.toString());
    }

    /** Makes this many documents fail in the next mongorestore, exit code 0 as the real tool (once; null: none). */
    public void failDocuments(Integer documents) {
        toggle("fail-documents", documents == null ? null : documents.toString());
    }

    /** Every call so far: {@code tool}, {@code argv}, {@code config}, {@code config_mode}. */
    public List<Map<String, Object>> calls() {
        try {
            Path file = root.resolve("calls.jsonl");
            if (!Files.exists(file)) {
                return List.of();
            }
            return Files.readAllLines(file).stream()
                    .map(line -> {
                        try {
                            return JSON.readValue(line, new TypeReference<Map<String, Object>>() {});
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void toggle(String name, String content) {
        try {
            if (content == null) {
                Files.deleteIfExists(root.resolve(name));
            } else {
                Files.writeString(root.resolve(name), content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            JSON.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

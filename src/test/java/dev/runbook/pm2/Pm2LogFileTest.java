package dev.runbook.pm2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Pm2LogFileTest {

    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @TempDir
    Path dir;

    @Test
    void shouldReadPm2TimestampsInTheHostZoneAndWithOffsets() {
        assertThat(Pm2LogFile.timestamp("2025-01-31T10:00:00: boom", BERLIN))
                .isEqualTo(Instant.parse("2025-01-31T09:00:00Z"));
        assertThat(Pm2LogFile.timestamp("2025-01-31 10:00:00 +02:00: boom", BERLIN))
                .isEqualTo(Instant.parse("2025-01-31T08:00:00Z"));
        assertThat(Pm2LogFile.timestamp("2025-01-31T10:00:00.250Z: boom", BERLIN))
                .isEqualTo(Instant.parse("2025-01-31T10:00:00.250Z"));
        assertThat(Pm2LogFile.timestamp("    at Object.<anonymous> (main.js:3:9)", BERLIN))
                .isNull();
        assertThat(Pm2LogFile.timestamp("2025-13-45T99:00:00: not a date", BERLIN))
                .isNull();
    }

    @Test
    void shouldReadTheLogFilesAnAppWroteUnderEarlierPm2IdsInTimeOrder() throws Exception {
        Files.write(
                dir.resolve("shop-error-3.log"),
                List.of("2025-01-31T10:00:00: ERROR before the restart", "    at boot (main.js:1:1)"));
        Files.write(dir.resolve("shop-error-7.log"), List.of("2025-01-31T10:05:00: ERROR after the restart"));
        Files.write(dir.resolve("shop-error-x.log"), List.of("2025-01-31T10:01:00: not a pm2 id"));
        Files.write(dir.resolve("shop-api-error-5.log"), List.of("2025-01-31T10:02:00: another app"));
        Files.write(dir.resolve("shop-out-3.log"), List.of("2025-01-31T10:03:00: stdout"));

        Pm2LogFile app = Pm2LogFile.readApp(dir.resolve("shop-error-7.log").toString(), 7, ZoneOffset.UTC);

        assertThat(app.select(null, null, 100))
                .containsExactly(
                        "2025-01-31T10:00:00: ERROR before the restart",
                        "    at boot (main.js:1:1)",
                        "2025-01-31T10:05:00: ERROR after the restart");
        assertThat(app.timestamped()).isTrue();
        assertThat(Pm2LogFile.readApp(dir.resolve("shop-error-7.log").toString(), 3, ZoneOffset.UTC)
                        .select(null, null, 100))
                .as("a name without the app's id (merged logs) is that one file")
                .containsExactly("2025-01-31T10:05:00: ERROR after the restart");
    }

    @Test
    void shouldGiveStackTraceLinesTheTimeOfTheLineBeforeAndFilterBySinceAndGrep() throws Exception {
        Path log = dir.resolve("app-error.log");
        Files.write(
                log,
                List.of(
                        "orphan line before any timestamp",
                        "2025-01-31T10:00:00: ERROR old failure",
                        "2025-01-31T10:20:00: ERROR payment failed",
                        "    at charge (pay.js:10:3)",
                        "2025-01-31T10:25:00: WARN slow query"));
        Pm2LogFile file = Pm2LogFile.read(log.toString(), ZoneOffset.UTC);

        assertThat(file.timestamped()).isTrue();
        assertThat(file.truncated()).isFalse();
        Instant since = Instant.parse("2025-01-31T10:10:00Z");
        assertThat(file.select(since, null, 100))
                .containsExactly(
                        "2025-01-31T10:20:00: ERROR payment failed",
                        "    at charge (pay.js:10:3)",
                        "2025-01-31T10:25:00: WARN slow query");
        assertThat(file.select(null, "ERROR", 100)).hasSize(2);
        assertThat(file.select(since, "ERROR", 100)).containsExactly("2025-01-31T10:20:00: ERROR payment failed");
        assertThat(file.select(null, null, 2))
                .containsExactly("    at charge (pay.js:10:3)", "2025-01-31T10:25:00: WARN slow query");
        assertThat(file.select(null, ".*", 100))
                .as("grep is a plain substring, not a regex")
                .isEmpty();
    }

    @Test
    void shouldJudgeALogWithoutTimestampsByItsModificationTime() throws Exception {
        Path log = dir.resolve("plain.log");
        Files.write(log, List.of("ERROR one", "ERROR two"));
        Files.setLastModifiedTime(log, FileTime.from(Instant.parse("2025-01-31T10:00:00Z")));
        Pm2LogFile file = Pm2LogFile.read(log.toString(), ZoneOffset.UTC);

        assertThat(file.timestamped()).isFalse();
        assertThat(file.select(Instant.parse("2025-01-31T09:00:00Z"), null, 10)).hasSize(2);
        assertThat(file.select(Instant.parse("2025-01-31T11:00:00Z"), null, 10)).isEmpty();
    }

    @Test
    void shouldReadOnlyTheLastMibOfALongLog() throws Exception {
        Path log = dir.resolve("long.log");
        String line = "x".repeat(99) + "\n";
        Files.writeString(log, line.repeat(20_000) + "last line\n");
        Pm2LogFile file = Pm2LogFile.read(log.toString(), ZoneOffset.UTC);

        assertThat(file.truncated()).isTrue();
        assertThat(file.lines().size()).isLessThan(Pm2LogFile.MAX_BYTES / 100 + 2);
        assertThat(file.lines().get(0).text()).isEqualTo("x".repeat(99));
        assertThat(file.select(null, null, 1)).containsExactly("last line");
    }

    @Test
    void shouldBeEmptyWithoutAFile() {
        assertThat(Pm2LogFile.read(null, ZoneOffset.UTC).lines()).isEmpty();
        assertThat(Pm2LogFile.read(dir.resolve("missing.log").toString(), ZoneOffset.UTC)
                        .lines())
                .isEmpty();
    }
}

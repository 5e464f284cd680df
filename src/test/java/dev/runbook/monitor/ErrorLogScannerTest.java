package dev.runbook.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.config.MonitorPolicy.ErrorLog;
import dev.runbook.config.RunbookProperties;
import dev.runbook.exec.Redactor;
import dev.runbook.monitor.HealthReport.ErrorLogReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErrorLogScannerTest {

    @TempDir
    Path dir;

    private final ErrorLogScanner scanner = new ErrorLogScanner(
            new Redactor(new RunbookProperties(Path.of("."), null, null, Map.of()), List.of()), ZoneOffset.UTC);

    @Test
    void shouldCountMatchesPerPatternWithinTheWindowAndKeepTheLastLinesRedacted() throws Exception {
        Path log = dir.resolve("err.log");
        Files.write(
                log,
                List.of(
                        "2025-01-31T09:00:00: ERROR too old to count",
                        "2025-01-31T09:55:00: ERROR cannot reach mongodb://shop:s3cret@db:27017/shop",
                        "2025-01-31T09:56:00: FATAL out of memory",
                        "2025-01-31T09:57:00: ERROR FATAL both",
                        "2025-01-31T09:58:00: info all good"));
        ErrorLog policy = new ErrorLog(Duration.ofMinutes(15), List.of("ERROR", "FATAL", "Unhandled"), 2);
        ErrorLogReport report = scanner.scan(
                log.toString(),
                0,
                policy,
                ErrorLogScanner.compile(policy.patterns(), "p"),
                Instant.parse("2025-01-31T10:00:00Z"));

        assertThat(report.matchingLines()).isEqualTo(3);
        assertThat(report.counts())
                .containsExactly(Map.entry("ERROR", 2), Map.entry("FATAL", 2), Map.entry("Unhandled", 0));
        assertThat(report.lastLines())
                .containsExactly("2025-01-31T09:56:00: FATAL out of memory", "2025-01-31T09:57:00: ERROR FATAL both");
        assertThat(report.window()).isEqualTo("PT15M");
        assertThat(report.timestamped()).isTrue();

        ErrorLogReport withSecret = scanner.scan(
                log.toString(),
                0,
                new ErrorLog(Duration.ofMinutes(15), List.of("mongodb"), 5),
                ErrorLogScanner.compile(List.of("mongodb"), "p"),
                Instant.parse("2025-01-31T10:00:00Z"));
        assertThat(withSecret.lastLines())
                .singleElement()
                .asString()
                .doesNotContain("s3cret")
                .contains("****");
    }

    @Test
    void shouldRefuseAPatternThatIsNotARegularExpressionNamingTheProperty() {
        assertThatThrownBy(() -> ErrorLogScanner.compile(
                        List.of("ERROR", "(unclosed"), "runbook.targets.shop.monitor.error-log.patterns"))
                .hasMessageContaining("runbook.targets.shop.monitor.error-log.patterns")
                .hasMessageContaining("(unclosed");
    }
}

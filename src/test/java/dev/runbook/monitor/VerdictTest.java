package dev.runbook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.config.MonitorPolicy.Thresholds;
import dev.runbook.monitor.HealthReport.AppReport;
import dev.runbook.monitor.HealthReport.ComponentReport;
import dev.runbook.monitor.HealthReport.DiskReport;
import dev.runbook.monitor.HealthReport.ErrorLogReport;
import dev.runbook.monitor.HealthReport.HttpReport;
import dev.runbook.monitor.HealthReport.MemoryReport;
import dev.runbook.monitor.HealthReport.PortReport;
import dev.runbook.monitor.HealthReport.SystemReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictTest {

    static final Thresholds LIMITS = new Thresholds(90, 95, 95, 1, 10, Duration.ofSeconds(2));
    static final Duration WINDOW = Duration.ofSeconds(3);

    @Test
    void shouldFindNothingWhenEverythingIsWithinTheLimits() {
        assertThat(Verdict.reasons(
                        List.of(component(app("online", 0), 200, 30, 9, true)),
                        system(50, 60, 10),
                        LIMITS,
                        WINDOW,
                        null))
                .isEmpty();
    }

    @Test
    void shouldNameEveryFindingBeyondALimit() {
        List<String> reasons = Verdict.reasons(
                List.of(component(app("errored", 3), 503, 30, 10, false)), system(90.5, 96, 99), LIMITS, WINDOW, null);

        assertThat(reasons)
                .containsExactly(
                        "backend: pm2 app 'shop-backend' is errored",
                        "backend: pm2 app 'shop-backend' restarted 3 time(s) within 3000 ms (restarts climbing)",
                        "backend: nothing listens on 127.0.0.1:3000",
                        "backend: GET http://127.0.0.1:3000/api/health answered 503",
                        "backend: 10 error-log line(s) in the last PT15M (limit 10)",
                        "disk of data-dir (/srv/data) is 90.5 % used (limit 90 %)",
                        "memory is 96.0 % used (limit 95 %)",
                        "CPU is 99.0 % busy (limit 95 %)");
    }

    @Test
    void shouldReportAFullDiskAtAThresholdOfZeroAndASlowOrSilentHealthUrl() {
        Thresholds noDisk = new Thresholds(0, 95, 95, 1, 10, Duration.ofMillis(100));
        assertThat(Verdict.reasons(
                        List.of(component(app("online", 0), 200, 150, 0, true)),
                        system(1, 10, 1),
                        noDisk,
                        WINDOW,
                        null))
                .containsExactly(
                        "backend: GET http://127.0.0.1:3000/api/health took 150 ms (limit 100 ms)",
                        "disk of data-dir (/srv/data) is 1.0 % used (limit 0 %)");

        ComponentReport silent = new ComponentReport(
                "backend",
                app("online", 0),
                new PortReport("127.0.0.1", 3000, true),
                new HttpReport("http://127.0.0.1:3000/api/health", null, 5, "ConnectException"),
                log(0));
        assertThat(Verdict.reasons(
                        List.of(component(
                                new AppReport("shop-backend", "not-running", 0, null, 0, 0, 0, 0), 200, 5, 0, true)),
                        system(1, 10, 1),
                        LIMITS,
                        WINDOW,
                        null))
                .containsExactly("backend: pm2 app 'shop-backend' is not running");
        assertThat(Verdict.reasons(List.of(silent), system(1, 10, 1), LIMITS, WINDOW, "pm2 not found"))
                .containsExactly(
                        "pm2 could not be asked for its process list: pm2 not found",
                        "backend: GET http://127.0.0.1:3000/api/health got no answer: ConnectException");
    }

    static AppReport app(String status, int climbed) {
        return new AppReport("shop-backend", status, 42, 1000L, 5 + climbed, climbed, 1 << 20, 0.5);
    }

    static ComponentReport component(AppReport app, int http, long latency, int errors, boolean listening) {
        return new ComponentReport(
                "backend",
                app,
                new PortReport("127.0.0.1", 3000, listening),
                new HttpReport("http://127.0.0.1:3000/api/health", http, latency, null),
                log(errors));
    }

    static ErrorLogReport log(int errors) {
        return new ErrorLogReport("PT15M", errors, Map.of("ERROR", errors), List.of(), false, true);
    }

    static SystemReport system(double disk, double memory, double cpu) {
        return new SystemReport(
                cpu,
                0.5,
                2,
                new MemoryReport(100, 100 - (long) memory, memory),
                List.of(new DiskReport("data-dir", "/srv/data", 100, 10, disk)));
    }
}

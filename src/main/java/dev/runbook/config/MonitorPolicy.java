package dev.runbook.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Monitoring of one target ({@code runbook.targets.<t>.monitor}): the watch interval (off unless set), the error-log
 * scan and the thresholds that make a health report {@code UNHEALTHY}. Alerts go to the target's webhook
 * ({@code runbook.targets.<t>.webhook.url}; the old {@code monitor.webhook} is an alias read by the notify package).
 *
 * @param interval      watch mode: a {@code monitor} run every interval; null (the default) switches watch off
 * @param restartWindow how long a check watches the PM2 restart counters ("restarts climbing")
 * @param ports         component name to the TCP port its app must listen on; default the port of its health URL
 * @param errorLog      the scan of each app's PM2 error log
 * @param thresholds    limits beyond which the report is {@code UNHEALTHY}
 */
public record MonitorPolicy(
        Duration interval,
        @DefaultValue("PT3S") @NotNull Duration restartWindow,
        Map<String, Integer> ports,
        @DefaultValue @Valid ErrorLog errorLog,
        @DefaultValue @Valid Thresholds thresholds) {

    public MonitorPolicy {
        ports = ports == null ? Map.of() : Map.copyOf(ports);
        restartWindow = restartWindow == null ? Duration.ofSeconds(3) : restartWindow;
        errorLog = errorLog == null ? ErrorLog.DEFAULTS : errorLog;
        thresholds = thresholds == null ? Thresholds.DEFAULTS : thresholds;
    }

    /** The policy of a target that configures no {@code monitor} block. */
    public static final MonitorPolicy DEFAULTS = new MonitorPolicy(null, null, null, null, null);

    /** True when watch mode is on (an interval is set). */
    public boolean watching() {
        return interval != null && !interval.isZero() && !interval.isNegative();
    }

    /**
     * The error-log scan: lines of the app's PM2 error log written within {@code window} that match one of
     * {@code patterns} (Java regular expressions from the configuration, found anywhere in the line), counted per
     * pattern; the last {@code lastLines} matching lines are shown.
     */
    public record ErrorLog(
            @DefaultValue("PT15M") @NotNull Duration window,

            @DefaultValue({"ERROR", "FATAL", "Unhandled", "Error:"})
            List<String> patterns,

            @DefaultValue("5") @Min(0) @Max(100) int lastLines) {

        static final ErrorLog DEFAULTS =
                new ErrorLog(Duration.ofMinutes(15), List.of("ERROR", "FATAL", "Unhandled", "Error:"), 5);

        public ErrorLog {
            window = window == null ? Duration.ofMinutes(15) : window;
            patterns = patterns == null ? DEFAULTS.patterns() : List.copyOf(patterns);
        }
    }

    /**
     * Limits: a disk (data dir or work dir) used above {@code diskPercent}, system memory above
     * {@code memoryPercent}, system CPU above {@code cpuPercent}, a restart count that rose by {@code restarts} or
     * more within the restart window, {@code errors} or more matching error-log lines in the window, a health URL
     * slower than {@code slowResponse}.
     */
    public record Thresholds(
            @DefaultValue("90") @Min(0) @Max(100) int diskPercent,
            @DefaultValue("95") @Min(0) @Max(100) int memoryPercent,
            @DefaultValue("95") @Min(0) @Max(100) int cpuPercent,
            @DefaultValue("1") @Min(1) int restarts,
            @DefaultValue("10") @Min(1) int errors,
            @DefaultValue("PT2S") @NotNull Duration slowResponse) {

        static final Thresholds DEFAULTS = new Thresholds(90, 95, 95, 1, 10, Duration.ofSeconds(2));
    }
}

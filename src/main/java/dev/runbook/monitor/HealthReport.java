package dev.runbook.monitor;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One health check of a target (what {@code monitor-production.sh check} printed): per component its PM2 app, port,
 * health URL and error log; the host's CPU, memory and disks; and the verdict with its reasons.
 *
 * @param target     target name
 * @param status     {@code HEALTHY} or {@code UNHEALTHY}
 * @param checkedAt  when the check started
 * @param tookMs     how long the check took, milliseconds (at least the restart window)
 * @param reasons    why the target is unhealthy, one line each; empty when healthy
 * @param components one entry per configured component, in configuration order
 * @param system     CPU, memory and disk use of the host the platform (and PM2) runs on
 */
public record HealthReport(
        String target,
        String status,
        Instant checkedAt,
        long tookMs,
        List<String> reasons,
        List<ComponentReport> components,
        SystemReport system) {

    public static final String HEALTHY = "HEALTHY";
    public static final String UNHEALTHY = "UNHEALTHY";

    public boolean healthy() {
        return HEALTHY.equals(status);
    }

    /** One component: its PM2 app, the port it listens on, its health URL and its error log. */
    public record ComponentReport(
            String component, AppReport app, PortReport port, HttpReport http, ErrorLogReport errorLog) {}

    /**
     * The PM2 app at the end of the check ({@code pm2 jlist}).
     *
     * @param status              PM2's status ({@code online}, {@code stopped}, {@code errored} ...), or
     *                            {@code not-running} when PM2 does not know the app, {@code unknown} when PM2 could
     *                            not be asked
     * @param uptimeMs            since the last (re)start while online, else null
     * @param restarts            restarts since the app was started ({@code pm2_env.restart_time})
     * @param restartsDuringCheck how much {@code restarts} rose during the check's restart window
     * @param memoryBytes         resident memory
     * @param cpuPercent          CPU use in percent of one core
     */
    public record AppReport(
            String name,
            String status,
            long pid,
            Long uptimeMs,
            int restarts,
            int restartsDuringCheck,
            long memoryBytes,
            double cpuPercent) {}

    /** Whether something accepts TCP connections on the port the component should listen on. */
    public record PortReport(String host, int port, boolean listening) {}

    /** One GET of the health URL: status code (null without an answer), latency in ms, error when no answer. */
    public record HttpReport(String url, Integer status, long latencyMs, String error) {}

    /**
     * The scan of the app's PM2 error log.
     *
     * @param window        ISO-8601 duration back from the check that was scanned
     * @param matchingLines lines in the window matching any pattern
     * @param counts        pattern to the number of lines in the window it matched, in configuration order
     * @param lastLines     the last matching lines (secrets redacted)
     * @param truncated     the log was longer than 1 MiB and only its end was scanned
     * @param timestamped   the log carries PM2 timestamps ({@code time: true}); without them the window is judged
     *                      by the file's modification time
     */
    public record ErrorLogReport(
            String window,
            int matchingLines,
            Map<String, Integer> counts,
            List<String> lastLines,
            boolean truncated,
            boolean timestamped) {}

    /**
     * The host's resources.
     *
     * @param cpuPercent  system CPU use over the check, percent of all cores
     * @param loadAverage one-minute load average (negative where the OS has none)
     * @param cpuCores    logical processors
     * @param memory      physical memory
     * @param disks       the file systems of the data dir ({@code data-dir}) and the work dir ({@code workdir})
     */
    public record SystemReport(
            double cpuPercent, double loadAverage, int cpuCores, MemoryReport memory, List<DiskReport> disks) {}

    /** Physical memory: total and available bytes, percent used. */
    public record MemoryReport(long totalBytes, long availableBytes, double usedPercent) {}

    /** The file system holding {@code path}: total and usable bytes, percent used. */
    public record DiskReport(String name, String path, long totalBytes, long usableBytes, double usedPercent) {}
}

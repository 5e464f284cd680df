package dev.runbook.pm2;

/**
 * One entry of {@code pm2 jlist}.
 *
 * @param name        app name ({@code name})
 * @param pmId        PM2 id ({@code pm_id})
 * @param pid         OS process id ({@code pid}; 0 when not running)
 * @param status      {@code pm2_env.status}: online, stopping, stopped, launching, errored, one-launch-status
 * @param restarts    {@code pm2_env.restart_time}, restarts since the app was started
 * @param startedAt   {@code pm2_env.pm_uptime}, epoch milliseconds of the last (re)start
 * @param memoryBytes {@code monit.memory}, resident memory in bytes
 * @param cpuPercent  {@code monit.cpu}, CPU use in percent of one core
 * @param outLog      {@code pm2_env.pm_out_log_path}, the app's stdout log file
 * @param errorLog    {@code pm2_env.pm_err_log_path}, the app's stderr log file
 * @param cwd         {@code pm2_env.pm_cwd}, the working directory PM2 starts the app in (as given, links not
 *                    resolved)
 * @param execMode    {@code pm2_env.exec_mode}: {@code fork_mode} or {@code cluster_mode} (null when not shown)
 */
public record Pm2Process(
        String name,
        int pmId,
        long pid,
        String status,
        int restarts,
        long startedAt,
        long memoryBytes,
        double cpuPercent,
        String outLog,
        String errorLog,
        String cwd,
        String execMode) {

    public boolean online() {
        return "online".equals(status);
    }

    /** True when PM2 runs the app in cluster mode ({@code exec_mode} {@code cluster_mode}). */
    public boolean clusterMode() {
        return "cluster_mode".equals(execMode);
    }
}

package dev.runbook.monitor;

import dev.runbook.config.MonitorPolicy;
import dev.runbook.config.TargetRegistry;
import dev.runbook.run.ActiveRuns;
import dev.runbook.run.RunLauncher;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Watch mode ({@code monitor-production.sh watch}): for every target with a {@code monitor.interval}, starts a
 * {@code monitor} run (business key {@code <target>:watch}) every interval. A Spring scheduler rather than a BPMN timer
 * start event, because a timer start event is one static cycle per process definition, while each target has its own
 * interval (changing it needs only a restart, not a redeployment). Several platform nodes may run this: the
 * {@code monitor_state} claim lets one of them start each check. A check is skipped while the target's previous one
 * is still running.
 */
@Component
class MonitorWatch implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(MonitorWatch.class);
    static final String PROCESS_KEY = "monitor";

    private final TargetRegistry targets;
    private final MonitorState state;
    private final RunLauncher launcher;
    private final ActiveRuns runs;
    private ThreadPoolTaskScheduler scheduler;

    MonitorWatch(TargetRegistry targets, MonitorState state, RunLauncher launcher, ActiveRuns runs) {
        this.targets = targets;
        this.state = state;
        this.launcher = launcher;
        this.runs = runs;
    }

    @EventListener(ApplicationReadyEvent.class)
    synchronized void start() {
        state.ensureRows(targets.all().keySet());
        targets.all().forEach((name, target) -> {
            MonitorPolicy policy = target.monitor();
            if (!policy.watching()) {
                return;
            }
            if (scheduler == null) {
                scheduler = new ThreadPoolTaskScheduler();
                scheduler.setPoolSize(1);
                scheduler.setThreadNamePrefix("monitor-watch-");
                scheduler.setDaemon(true);
                scheduler.initialize();
            }
            scheduler.scheduleAtFixedRate(
                    () -> tick(name, policy.interval()), Instant.now().plusSeconds(1), policy.interval());
            log.info("watching target {} every {}", name, policy.interval());
        });
    }

    /** Starts the target's check when this node claims it and the previous check has ended. */
    void tick(String target, Duration interval) {
        try {
            if (!state.claim(target, Instant.now(), interval)) {
                return;
            }
            if (runs.isRunning(PROCESS_KEY, target)) {
                log.warn("watch of target {}: the previous check is still running, skipping this one", target);
                return;
            }
            launcher.start(PROCESS_KEY, target, "watch", Map.of());
        } catch (RuntimeException e) {
            log.warn("watch of target {} could not start a check: {}", target, e.getMessage());
        }
    }

    @Override
    public synchronized void destroy() {
        if (scheduler != null) {
            scheduler.shutdown();
        }
    }
}

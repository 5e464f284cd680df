package dev.runbook.monitor;

import dev.runbook.config.DataDir;
import dev.runbook.config.MonitorPolicy;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.health.HealthChecker;
import dev.runbook.monitor.HealthReport.AppReport;
import dev.runbook.monitor.HealthReport.ComponentReport;
import dev.runbook.monitor.HealthReport.HttpReport;
import dev.runbook.monitor.HealthReport.PortReport;
import dev.runbook.monitor.HealthReport.SystemReport;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2Process;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Makes one health check of a target (the work of {@code monitor-production.sh check}): PM2 status of each component's
 * app ({@code pm2 jlist}, sampled at the start and again after the restart window, so a climbing restart count
 * shows), whether its port accepts TCP connections, one GET of its health URL, the scan of its PM2 error log, and the
 * host's CPU, memory and the disks of the data dir and work dir. {@link Verdict} turns findings beyond the target's
 * thresholds into reasons. Reads only: no step log, no change to the target.
 */
@Component
public class HealthReporter {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final TargetRegistry targets;
    private final DataDir dataDir;
    private final Pm2Client pm2;
    private final HealthChecker http;
    private final SystemProbe system;
    private final Redactor redactor;
    private final ErrorLogScanner scanner;
    private final Clock clock;
    private final Map<String, List<Pattern>> patterns = new HashMap<>();

    HealthReporter(
            TargetRegistry targets,
            DataDir dataDir,
            Pm2Client pm2,
            HealthChecker http,
            SystemProbe system,
            Redactor redactor) {
        this.targets = targets;
        this.dataDir = dataDir;
        this.pm2 = pm2;
        this.http = http;
        this.system = system;
        this.redactor = redactor;
        this.clock = Clock.systemUTC();
        this.scanner = new ErrorLogScanner(redactor, ZoneId.systemDefault());
        targets.all()
                .forEach((name, target) -> patterns.put(
                        name,
                        ErrorLogScanner.compile(
                                target.monitor().errorLog().patterns(),
                                "runbook.targets." + name + ".monitor.error-log.patterns")));
    }

    /**
     * Checks target {@code name}; takes at least the target's {@code monitor.restart-window}.
     *
     * @throws TargetRegistry.UnknownTargetException when no such target is configured
     */
    public HealthReport check(String name) {
        Target target = targets.get(name);
        MonitorPolicy policy = target.monitor();
        Instant started = clock.instant();
        long[] ticks = system.cpuTicks();
        Snapshot first = snapshot(target);
        Map<String, PortReport> ports = new LinkedHashMap<>();
        Map<String, HttpReport> answers = new LinkedHashMap<>();
        Map<String, HealthReport.ErrorLogReport> logs = new LinkedHashMap<>();
        target.components().forEach((component, config) -> {
            ports.put(component, port(component, config, policy));
            HealthChecker.Probe probe =
                    http.probe(config.healthUrl(), target.health().timeout());
            answers.put(
                    component,
                    new HttpReport(
                            config.healthUrl().toString(),
                            probe.status(),
                            probe.latencyMs(),
                            probe.error() == null ? null : redactor.redact(probe.error())));
            Pm2Process process = first.apps().get(config.pm2App());
            logs.put(
                    component,
                    scanner.scan(
                            process == null ? null : process.errorLog(),
                            process == null ? 0 : process.pmId(),
                            policy.errorLog(),
                            patterns.get(name),
                            started));
        });
        sleepUntil(started.plus(policy.restartWindow()));
        Snapshot second = snapshot(target);
        List<ComponentReport> components = new ArrayList<>();
        target.components()
                .forEach((component, config) -> components.add(new ComponentReport(
                        component,
                        app(config.pm2App(), first, second),
                        ports.get(component),
                        answers.get(component),
                        logs.get(component))));
        Map<String, java.nio.file.Path> dirs = new LinkedHashMap<>();
        dirs.put("data-dir", dataDir.root());
        dirs.put("root", target.root());
        SystemReport resources = system.measure(ticks, dirs);
        String pm2Error = first.error() != null ? first.error() : second.error();
        List<String> reasons =
                Verdict.reasons(components, resources, policy.thresholds(), policy.restartWindow(), pm2Error);
        return new HealthReport(
                name,
                reasons.isEmpty() ? HealthReport.HEALTHY : HealthReport.UNHEALTHY,
                started,
                Duration.between(started, clock.instant()).toMillis(),
                reasons,
                components,
                resources);
    }

    /** The PM2 process list by app name, or why PM2 could not be asked. */
    private record Snapshot(Map<String, Pm2Process> apps, String error) {}

    private Snapshot snapshot(Target target) {
        try {
            Map<String, Pm2Process> apps = new HashMap<>();
            pm2.list(target.root(), StepLog.NONE).forEach(p -> apps.putIfAbsent(p.name(), p));
            return new Snapshot(apps, null);
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            return new Snapshot(
                    Map.of(), redactor.redact(message.lines().findFirst().orElse(message)));
        }
    }

    private AppReport app(String name, Snapshot first, Snapshot second) {
        if (second.error() != null) {
            return new AppReport(name, "unknown", 0, null, 0, 0, 0, 0);
        }
        Pm2Process now = second.apps().get(name);
        if (now == null) {
            return new AppReport(name, "not-running", 0, null, 0, 0, 0, 0);
        }
        Pm2Process before = first.apps().get(name);
        int climbed = before == null ? 0 : Math.max(0, now.restarts() - before.restarts());
        Long uptime = now.online() ? Math.max(0, clock.millis() - now.startedAt()) : null;
        return new AppReport(
                name, now.status(), now.pid(), uptime, now.restarts(), climbed, now.memoryBytes(), now.cpuPercent());
    }

    /** TCP connect to the health URL's host on the component's port (configured, else the URL's). */
    static PortReport port(String name, ComponentSpec component, MonitorPolicy policy) {
        URI url = component.healthUrl();
        String host = url.getHost() == null ? "127.0.0.1" : url.getHost();
        int port = policy.ports()
                .getOrDefault(name, url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
            return new PortReport(host, port, true);
        } catch (IOException e) {
            return new PortReport(host, port, false);
        }
    }

    private void sleepUntil(Instant until) {
        long millis = Duration.between(clock.instant(), until).toMillis();
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a health check", e);
        }
    }
}

package dev.runbook.api;

import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2LogFile;
import dev.runbook.pm2.Pm2Process;
import dev.runbook.process.ProcessVariables;
import dev.runbook.run.RunLauncher;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The target's PM2 apps: status ({@code pm2 jlist}), log tails (PM2's out and error log files), and the
 * {@code service-control} runbook for start, stop, restart and reload.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Services")
@Validated
@ApiResponse(responseCode = "404", description = "unknown target or app")
class ServicesController {

    private final TargetRegistry targets;
    private final Pm2Client pm2;
    private final RunLauncher launcher;

    ServicesController(TargetRegistry targets, Pm2Client pm2, RunLauncher launcher) {
        this.targets = targets;
        this.pm2 = pm2;
        this.launcher = launcher;
    }

    /**
     * One app: {@code status} is PM2's ({@code online}, {@code stopped}, {@code errored} ...) or
     * {@code not-running} when PM2 does not know it; {@code uptimeMs} since the last (re)start while online;
     * {@code memoryBytes} resident memory; {@code cpuPercent} of one core.
     */
    record Service(
            String component,
            String name,
            String status,
            long pid,
            Long uptimeMs,
            int restarts,
            long memoryBytes,
            double cpuPercent) {}

    /**
     * The last lines of the app's stdout and stderr logs, over its log files under earlier PM2 ids too (of the last MiB
     * of each; see {@link Pm2LogFile#readApp}).
     */
    record Logs(String app, int lines, List<String> out, List<String> error) {}

    @Operation(summary = "PM2 status of the target's apps")
    @GetMapping("/api/targets/{target}/services")
    List<Service> list(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        Target configured = targets.get(target);
        requireOnPlatform(configured, target, "PM2 status");
        List<Pm2Process> processes = pm2.list(configured.root(), StepLog.NONE);
        List<Service> services = new ArrayList<>();
        configured.components().forEach((component, config) -> {
            Optional<Pm2Process> process = processes.stream()
                    .filter(p -> p.name().equals(config.pm2App()))
                    .findFirst();
            services.add(process.map(p -> new Service(
                            component,
                            p.name(),
                            p.status(),
                            p.pid(),
                            p.online() ? System.currentTimeMillis() - p.startedAt() : null,
                            p.restarts(),
                            p.memoryBytes(),
                            p.cpuPercent()))
                    .orElse(new Service(component, config.pm2App(), "not-running", 0, null, 0, 0, 0)));
        });
        return services;
    }

    @Operation(
            summary =
                    "The last lines of an app's out and error logs, optionally since a time and containing a " + "text")
    @ApiResponse(
            responseCode = "400",
            description = "lines outside 1..1000, since neither an ISO-8601 instant nor a "
                    + "duration, grep longer than 200 characters")
    @GetMapping("/api/targets/{target}/services/{app}/logs")
    Logs logs(
            @PathVariable @Pattern(regexp = RunbooksController.TARGET) String target,
            @PathVariable @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String app,
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int lines,
            @RequestParam(required = false) @Size(max = 64) String since,
            @RequestParam(required = false) @Size(min = 1, max = 200) String grep) {
        Target configured = targets.get(target);
        requireApp(configured, app, false);
        requireOnPlatform(configured, target, "PM2 logs");
        Instant from = since(since, Instant.now());
        Pm2Process process = pm2.find(app, configured.root(), StepLog.NONE)
                .orElseThrow(
                        () -> new NotFoundException("pm2 does not know app '" + app + "': it has never been started"));
        ZoneId zone = ZoneId.systemDefault();
        return new Logs(
                app,
                lines,
                Pm2LogFile.readApp(process.outLog(), process.pmId(), zone).select(from, grep, lines),
                Pm2LogFile.readApp(process.errorLog(), process.pmId(), zone).select(from, grep, lines));
    }

    /**
     * Refuses (409) to read {@code what} of a target that runs on other hosts from the platform's own PM2, which does
     * not run its apps: their state comes from their agents, in a {@code monitor} run per check.
     */
    static void requireOnPlatform(Target configured, String target, String what) {
        if (!configured.hosts().isEmpty()) {
            throw new ProblemHandler.ConflictException("target " + target + " runs on hosts " + configured.hosts()
                    + ": the platform cannot read their " + what + " here; each host's check is a monitor run"
                    + " (monitor.interval, or start process monitor), and GET /api/targets shows each host's agent");
        }
    }

    /**
     * {@code since} as an instant: an ISO-8601 instant ({@code 2025-01-31T10:00:00Z}) or a duration back from now
     * ({@code PT10M}); null when not given. IllegalArgumentException (400) otherwise.
     */
    static Instant since(String since, Instant now) {
        if (since == null || since.isBlank()) {
            return null;
        }
        try {
            return since.startsWith("P") || since.startsWith("-P")
                    ? now.minus(Duration.parse(since).abs())
                    : Instant.parse(since);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "since must be an ISO-8601 instant such as 2025-01-31T10:00:00Z or a " + "duration such as PT10M");
        }
    }

    @Operation(summary = "Start, stop, restart or reload an app (or 'all' apps) of the target; audited run")
    @ApiResponse(responseCode = "202", description = "run started")
    @ApiResponse(responseCode = "400", description = "unknown action")
    @ApiResponse(responseCode = "409", description = "another changing run holds the target (runId in the body)")
    @PostMapping("/api/targets/{target}/services/{app}/{action}")
    ResponseEntity<RunbooksController.RunStarted> control(
            @PathVariable @Pattern(regexp = RunbooksController.TARGET) String target,
            @PathVariable @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String app,
            @PathVariable String action) {
        if (!List.of("start", "stop", "restart", "reload").contains(action)) {
            throw new IllegalArgumentException("unknown action '" + action + "': use start, stop, restart or reload");
        }
        requireApp(targets.get(target), app, true);
        String runId = launcher.start(
                "service-control",
                target,
                action + " " + app,
                Map.of(ProcessVariables.APP, app, ProcessVariables.ACTION, action));
        return ResponseEntity.accepted()
                .location(URI.create("/api/runs/" + runId))
                .body(new RunbooksController.RunStarted(runId, "service-control", target));
    }

    private static void requireApp(Target target, String app, boolean allowAll) {
        boolean known =
                target.components().values().stream().anyMatch(c -> c.pm2App().equals(app));
        if (!known && !(allowAll && "all".equals(app))) {
            throw new NotFoundException("target has no app '" + app + "'");
        }
    }
}

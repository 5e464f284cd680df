package dev.runbook.api;

import dev.runbook.config.TargetRegistry;
import dev.runbook.monitor.HealthReport;
import dev.runbook.monitor.HealthReporter;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Pattern;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * One health check of a target, synchronously ({@code monitor-production.sh check}): the same check the
 * {@code monitor} runbook's first step makes, without starting a run, so reading it changes nothing (no alert, no
 * history). Answers 200 whether the target is {@code HEALTHY} or {@code UNHEALTHY}; takes at least the target's
 * restart window.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Health")
@Validated
@ApiResponse(responseCode = "401", description = "not signed in")
@ApiResponse(responseCode = "404", description = "unknown target")
class HealthReportController {

    private final HealthReporter reporter;
    private final TargetRegistry targets;

    HealthReportController(HealthReporter reporter, TargetRegistry targets) {
        this.reporter = reporter;
        this.targets = targets;
    }

    @Operation(summary = "Check the target now: PM2 apps, ports, health URLs, CPU, memory, disks, error logs")
    @ApiResponse(responseCode = "200", description = "the report; status HEALTHY or UNHEALTHY with reasons")
    @ApiResponse(
            responseCode = "409",
            description = "the target runs on other hosts: their checks are monitor runs, through their agents")
    @GetMapping("/api/targets/{target}/health-report")
    HealthReport healthReport(@PathVariable @Pattern(regexp = RunbooksController.TARGET) String target) {
        ServicesController.requireOnPlatform(targets.get(target), target, "health");
        return reporter.check(target);
    }
}

package dev.runbook.web;

import jakarta.validation.constraints.Pattern;
import org.springframework.stereotype.Controller;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The run pages: {@code GET /runs} (recent runs, filtered by target, process and outcome) and {@code GET /runs/{runId}}
 * (the run's diagram with the path taken, its steps, approval and outcome). Both are static pages
 * ({@code static/web/}) that read {@code /api/runs}; a person signs in on {@code /login}; scripts may send HTTP Basic credentials as to the API.
 */
@Controller
@Validated
@io.swagger.v3.oas.annotations.Hidden
class RunPagesController {

    /** The platform's front page: the console's targets page (a signed-out visitor is sent to the sign-in page). */
    @GetMapping("/")
    String home() {
        return "redirect:/targets";
    }

    /** The console's sign-in form; Spring Security takes its POST (see {@code ConsoleSecurityConfiguration}). */
    @GetMapping("/login")
    String login() {
        return "forward:/web/login.html";
    }

    /** What serves on each target, its apps, releases and last runs, with deploy, restart and rollback. */
    @GetMapping("/targets")
    String targets() {
        return "forward:/web/targets.html";
    }

    /** Releases waiting for the signed-in approver, with Approve and Reject (see {@code static/web/approvals.js}). */
    @GetMapping("/approvals")
    String approvals() {
        return "forward:/web/approvals.html";
    }

    @GetMapping("/runs")
    String runs() {
        return "forward:/web/runs.html";
    }

    @GetMapping("/runs/{runId}")
    String run(@PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId) {
        return "forward:/web/run.html";
    }
}

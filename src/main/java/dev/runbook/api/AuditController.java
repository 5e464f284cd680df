package dev.runbook.api;

import dev.runbook.audit.AuditAction;
import dev.runbook.audit.AuditEvent;
import dev.runbook.audit.AuditPage;
import dev.runbook.audit.AuditTrail;
import dev.runbook.audit.LoginLog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/audit/events} (the audit trail) and {@code GET /api/audit/logins} (the login log), newest first,
 * paged; for {@code camunda-admin} members only (403 for others, see security/AccessRules).
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Audit")
@Validated
@ApiResponse(responseCode = "400", description = "invalid filter or page")
@ApiResponse(responseCode = "403", description = "not an administrator")
class AuditController {

    static final String USER = "[A-Za-z0-9]{1,64}";
    static final String ACTIONS =
            "START|APPROVE|REJECT|DECIDE|EXPIRE|WITHDRAW|CANCEL|END|INCIDENT|INCIDENT_RETRY|REFUSE";

    private final AuditTrail trail;
    private final LoginLog logins;

    AuditController(AuditTrail trail, LoginLog logins) {
        this.trail = trail;
        this.logins = logins;
    }

    @Operation(
            summary = "Audit trail: starts, approvals, rejections, expiries, cancellations, incidents and their "
                    + "retries; from inclusive, to exclusive (ISO-8601 instants)")
    @GetMapping("/api/audit/events")
    AuditPage<AuditEvent> events(
            @RequestParam(required = false) @Pattern(regexp = RunbooksController.TARGET) String target,
            @RequestParam(required = false) @Pattern(regexp = USER) String user,
            @RequestParam(required = false) @Pattern(regexp = ACTIONS) String action,
            @RequestParam(required = false) @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId,
            @RequestParam(required = false) Instant from,
            @RequestParam(required = false) Instant to,
            @RequestParam(defaultValue = "0") @Min(0) @Max(100_000) int page,
            @RequestParam(defaultValue = "50") @Min(1) @Max(500) int size) {
        checkRange(from, to);
        return trail.find(
                new AuditTrail.Filter(
                        target,
                        user,
                        action == null ? null : AuditAction.valueOf(action).name(),
                        runId,
                        from,
                        to),
                page,
                size);
    }

    @Operation(
            summary = "Login log: every failed sign-in, successful ones once per user, address and client per "
                    + "interval; from inclusive, to exclusive (ISO-8601 instants)")
    @GetMapping("/api/audit/logins")
    AuditPage<LoginLog.Entry> logins(
            @RequestParam(required = false) @Pattern(regexp = "[A-Za-z0-9._@-]{1,64}") String user,
            @RequestParam(required = false) Boolean success,
            @RequestParam(required = false) Instant from,
            @RequestParam(required = false) Instant to,
            @RequestParam(defaultValue = "0") @Min(0) @Max(100_000) int page,
            @RequestParam(defaultValue = "50") @Min(1) @Max(500) int size) {
        checkRange(from, to);
        return logins.find(new LoginLog.Filter(user, success, from, to), page, size);
    }

    private static void checkRange(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
    }
}

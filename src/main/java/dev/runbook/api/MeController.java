package dev.runbook.api;

import dev.runbook.security.AccessRules;
import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/me}: who is signed in and what they may do, so that the console shows each role what it may do and
 * nothing else. The answer comes from {@link AccessRules}, the rules that decide the calls themselves.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Me")
class MeController {

    /** The signed-in user, their groups, and whether they may start runs, decide approvals and read the audit. */
    record Me(String user, List<String> groups, boolean operate, boolean approve, boolean audit) {}

    private final IdentityService identity;

    MeController(IdentityService identity) {
        this.identity = identity;
    }

    @Operation(summary = "The signed-in user, their groups and what they may do (start runs, approve, read the audit)")
    @GetMapping("/api/me")
    Me me() {
        Authentication caller = identity.getCurrentAuthentication();
        List<String> groups = caller.getGroupIds() == null ? List.of() : List.copyOf(caller.getGroupIds());
        return new Me(
                caller.getUserId(),
                groups,
                AccessRules.allows("POST", "/api/targets/any/deployments", groups),
                AccessRules.allows("POST", "/api/approvals/any", groups),
                AccessRules.allows("GET", "/api/audit/events", groups));
    }
}

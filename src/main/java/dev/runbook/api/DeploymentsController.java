package dev.runbook.api;

import dev.runbook.git.GitClient;
import dev.runbook.process.ProcessVariables;
import dev.runbook.run.RunLauncher;
import dev.runbook.target.RunbookProperties.Target;
import dev.runbook.target.TargetRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/targets/{target}/deployments}: starts the {@code deploy} runbook. */
@RestController
@Validated
class DeploymentsController {

    private final TargetRegistry targets;
    private final RunLauncher launcher;

    DeploymentsController(TargetRegistry targets, RunLauncher launcher) {
        this.targets = targets;
        this.launcher = launcher;
    }

    /**
     * Body of a deployment request.
     *
     * @param gitRef     branch, tag or 40-hex SHA to deploy; default the target's branch
     * @param components {@code all} (default), or comma-separated component names
     */
    record DeploymentRequest(@Size(max = 200) String gitRef, @Size(max = 200) String components) {}

    /** Reply to an accepted start: the run id, its process key and the target. */
    record RunStarted(String runId, String processKey, String target) {}

    @Operation(summary = "Deploy a git ref to a target (approval, backup, checkout, install + build, reload, health "
            + "check; automatic rollback on failure)")
    @ApiResponse(responseCode = "202", description = "run started; Location: /api/runs/{runId}")
    @ApiResponse(responseCode = "400", description = "invalid git ref or component")
    @ApiResponse(responseCode = "401", description = "not signed in")
    @ApiResponse(responseCode = "404", description = "unknown target")
    @ApiResponse(responseCode = "409", description = "another changing run holds the target (runId in the body)")
    @PostMapping("/api/targets/{target}/deployments")
    ResponseEntity<RunStarted> deploy(@PathVariable @Pattern(regexp = "[A-Za-z0-9._-]{1,64}") String target,
            @RequestBody(required = false) DeploymentRequest request) {
        Target configured = targets.get(target);
        DeploymentRequest body = request == null ? new DeploymentRequest(null, null) : request;
        String ref = body.gitRef() == null || body.gitRef().isBlank() ? configured.branch()
                : GitClient.validateRef(body.gitRef().trim());
        String components = body.components() == null || body.components().isBlank() ? "all"
                : body.components().trim();
        TargetRegistry.select(configured, components);
        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.GIT_REF, ref);
        variables.put(ProcessVariables.COMPONENTS, components);
        String runId = launcher.start("deploy", target, "deploy " + ref, variables);
        return ResponseEntity.accepted().location(URI.create("/api/runs/" + runId))
                .body(new RunStarted(runId, "deploy", target));
    }
}

package dev.runbook.api;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.release.ReleaseRecord;
import dev.runbook.release.ReleaseRecordRepository;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/targets}: the configured targets, their components and current release. */
@RestController
class TargetsController {

    private final TargetRegistry targets;
    private final GitClient git;
    private final ReleaseRecordRepository releases;

    TargetsController(TargetRegistry targets, GitClient git, ReleaseRecordRepository releases) {
        this.targets = targets;
        this.git = git;
        this.releases = releases;
    }

    /** A target: name, branch, whether approval is required, components, and what serves now. */
    record TargetView(
            String name,
            String branch,
            boolean approvalRequired,
            Map<String, ComponentView> components,
            CurrentRelease currentRelease) {}

    /** A component: its PM2 app and health URL. */
    record ComponentView(String pm2App, String healthUrl) {}

    /**
     * What serves now: {@code commit} is the work tree's HEAD ({@code git rev-parse HEAD}); the rest comes from the
     * last release the platform recorded (null when the platform never deployed this target).
     */
    record CurrentRelease(String commit, String gitRef, String runId, Instant deployedAt, String deployedBy) {}

    @Operation(summary = "Targets with their components and current release")
    @GetMapping("/api/targets")
    List<TargetView> list() {
        List<TargetView> views = new ArrayList<>();
        targets.all().forEach((name, target) -> views.add(view(name, target)));
        return views;
    }

    private TargetView view(String name, Target target) {
        Map<String, ComponentView> components = new java.util.LinkedHashMap<>();
        target.components()
                .forEach((componentName, component) -> components.put(
                        componentName,
                        new ComponentView(
                                component.pm2App(), component.healthUrl().toString())));
        String head;
        try {
            head = git.head(target.workdir(), StepLog.NONE);
        } catch (RuntimeException e) {
            head = null;
        }
        ReleaseRecord last =
                releases.findFirstByTargetOrderByDeployedAtDesc(name).orElse(null);
        CurrentRelease current = last == null
                ? new CurrentRelease(head, null, null, null, null)
                : new CurrentRelease(
                        head, last.getGitRef(), last.getRunId(), last.getDeployedAt(), last.getRequestedBy());
        return new TargetView(name, target.branch(), target.approval().required(), components, current);
    }
}

package dev.runbook.api;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.release.ReleaseDirectories;
import dev.runbook.release.ReleaseMetadata;
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
@io.swagger.v3.oas.annotations.tags.Tag(name = "Targets")
class TargetsController {

    private final TargetRegistry targets;
    private final ReleaseDirectories directories;
    private final ReleaseRecordRepository releases;
    private final GitClient git;

    TargetsController(
            TargetRegistry targets, ReleaseDirectories directories, ReleaseRecordRepository releases, GitClient git) {
        this.targets = targets;
        this.directories = directories;
        this.releases = releases;
        this.git = git;
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
     * What serves now: {@code releaseId} is the release {@code current} points at and {@code commit} its commit (null
     * before the first release); the rest comes from the last release the platform recorded (null when the platform
     * never deployed this target). {@code drift} says how what serves differs from that record (changed outside the
     * platform), null when it does not.
     */
    record CurrentRelease(
            String releaseId,
            String commit,
            String gitRef,
            String runId,
            Instant deployedAt,
            String deployedBy,
            String drift) {}

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
        String serving = target.layout().currentId().orElse(null);
        String commit = serving == null
                ? null
                : directories
                        .metadata(target.layout(), serving)
                        .map(ReleaseMetadata::commit)
                        .orElse(null);
        ReleaseRecord last =
                releases.findFirstByTargetOrderByDeployedAtDesc(name).orElse(null);
        CurrentRelease current = last == null
                ? new CurrentRelease(serving, commit, null, null, null, null, null)
                : new CurrentRelease(
                        serving,
                        commit,
                        last.getGitRef(),
                        last.getRunId(),
                        last.getDeployedAt(),
                        last.getRequestedBy(),
                        drift(serving, last.getBackupId()));
        if (serving != null) {
            current = withChangedFiles(current, target);
        }
        return new TargetView(name, target.branch(), target.approval().required(), components, current);
    }

    /** Adds to {@code drift} the tracked files changed by hand inside the serving release, if any. */
    private CurrentRelease withChangedFiles(CurrentRelease current, Target target) {
        List<String> changed;
        try {
            changed = git.changedTrackedFiles(target.layout().current(), StepLog.NONE);
        } catch (RuntimeException e) {
            return current; // not a checkout the platform made (an adopted or hand-made directory)
        }
        if (changed.isEmpty()) {
            return current;
        }
        String files = "files changed inside the serving release since its commit: "
                + String.join(", ", changed.subList(0, Math.min(10, changed.size())))
                + (changed.size() > 10 ? " and " + (changed.size() - 10) + " more" : "");
        return new CurrentRelease(
                current.releaseId(),
                current.commit(),
                current.gitRef(),
                current.runId(),
                current.deployedAt(),
                current.deployedBy(),
                current.drift() == null ? files : current.drift() + "; " + files);
    }

    /** How the serving release differs from the one the platform recorded last, or null. */
    private static String drift(String serving, String recorded) {
        if (recorded == null || recorded.equals(serving)) {
            return null;
        }
        return "current points at " + (serving == null ? "no release" : "release " + serving)
                + ", but the platform last made release " + recorded + " serve: it was switched outside the platform";
    }
}

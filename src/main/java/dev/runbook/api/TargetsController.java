package dev.runbook.api;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.host.HostContacts;
import dev.runbook.release.ReleaseHistory;
import dev.runbook.release.ReleaseMetadata;
import dev.runbook.release.ReleaseRecord;
import dev.runbook.release.ReleaseRecordRepository;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/targets}: the configured targets, their components and current release. */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Targets")
class TargetsController {

    private final TargetRegistry targets;
    private final ReleaseHistory history;
    private final ReleaseRecordRepository releases;
    private final GitClient git;
    private final HostContacts hosts;

    TargetsController(
            TargetRegistry targets,
            ReleaseHistory history,
            ReleaseRecordRepository releases,
            GitClient git,
            HostContacts hosts) {
        this.targets = targets;
        this.history = history;
        this.releases = releases;
        this.git = git;
        this.hosts = hosts;
    }

    /**
     * A target: name, branch, whether approval is required, components, what serves now, and its remote hosts with
     * their health (none for a target on the platform's own machine).
     */
    record TargetView(
            String name,
            String branch,
            boolean approvalRequired,
            Map<String, ComponentView> components,
            CurrentRelease currentRelease,
            List<HostView> hosts) {}

    /**
     * A remote host of the target: {@code status} UP, DEGRADED (its agent silent too long: runs are refused) or
     * UNKNOWN (never called), and the details of {@code /actuator/health}'s entry (last contact, client, running steps).
     */
    record HostView(String name, String status, Map<String, Object> details) {}

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
        String serving = history.serving(name, target).orElse(null);
        String commit = serving == null
                ? null
                : history.release(name, target, serving)
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
        if (serving != null && target.hosts().isEmpty()) {
            // a target with hosts: its disks are the hosts' own; each host's steps check what it serves
            current = withChangedFiles(current, target);
        }
        List<HostView> hostViews = target.hosts().stream()
                .map(host -> {
                    Health health = hosts.health(host);
                    // the agent's account and address stay in /actuator/health, which shows details to administrators;
                    // its client (runbook-agent/<version>) tells which version the host runs
                    Map<String, Object> details = new java.util.LinkedHashMap<>(health.getDetails());
                    details.keySet().retainAll(List.of("lastContact", "client", "runningSteps", "reason"));
                    return new HostView(host, health.getStatus().getCode(), details);
                })
                .toList();
        return new TargetView(name, target.branch(), target.approval().required(), components, current, hostViews);
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

package dev.runbook.api;

import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.approval.ReleasePlanner;
import dev.runbook.approval.ReleasePlanner.PlannedStep;
import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.process.Release;
import dev.runbook.release.ReleaseHistory;
import dev.runbook.release.ReleaseMetadata;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.nio.file.Files;
import java.util.List;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/targets/{target}/plan}: what a deploy, update or rollback would do, before it is requested: the
 * commit the ref names as of the platform's last fetch, what serves now, and the steps with their commands, built by
 * the same {@link ReleasePlanner} as the plan an approver reads. Reads only: no fetch, no run.
 */
@RestController
@io.swagger.v3.oas.annotations.tags.Tag(name = "Targets")
@Validated
class PlansController {

    /**
     * A plan preview.
     *
     * @param commit           the commit the run would bring (for a rollback: the release's)
     * @param subject          its subject line
     * @param servingCommit    the commit serving now, null before the first release
     * @param approvalRequired whether the run waits for an approval first
     * @param steps            the steps the run would take, in order, with their commands
     */
    record PlanPreview(
            String processKey,
            String gitRef,
            String releaseId,
            String commit,
            String subject,
            String servingCommit,
            boolean approvalRequired,
            List<PlannedStep> steps) {}

    private final TargetRegistry targets;
    private final ReleaseHistory history;
    private final GitClient git;
    private final ReleasePlanner planner;
    private final RepositoryService repository;

    PlansController(
            TargetRegistry targets,
            ReleaseHistory history,
            GitClient git,
            ReleasePlanner planner,
            RepositoryService repository) {
        this.targets = targets;
        this.history = history;
        this.git = git;
        this.planner = planner;
        this.repository = repository;
    }

    @Operation(
            summary = "Preview of a deploy, update or rollback: the commit it would bring (as of the platform's last "
                    + "fetch), what serves now, and each step with its commands; reads only")
    @ApiResponse(responseCode = "400", description = "malformed ref, release id or unknown component")
    @ApiResponse(responseCode = "409", description = "a rollback to the release that serves already")
    @ApiResponse(
            responseCode = "404",
            description = "unknown target or release, or a ref the platform's mirror does not know (yet: a run "
                    + "fetches first)")
    @GetMapping("/api/targets/{target}/plan")
    PlanPreview plan(
            @PathVariable @Pattern(regexp = RunbooksController.TARGET) String target,
            @RequestParam(defaultValue = "deploy") @Pattern(regexp = "deploy|update|rollback") String processKey,
            @RequestParam(required = false) @Size(max = 200) String gitRef,
            @RequestParam(required = false) @Size(max = 500) String components,
            @RequestParam(required = false) @Size(max = 64) String releaseId) {
        Target spec = targets.get(target);
        ReleaseLayout layout = spec.layout();
        String servingId = history.serving(target, spec).orElse(null);
        String servingCommit = servingId == null
                ? null
                : history.release(target, spec, servingId)
                        .map(ReleaseMetadata::commit)
                        .orElse(null);
        String commit;
        String id;
        String ref = null;
        if ("rollback".equals(processKey)) {
            if (releaseId == null || releaseId.isBlank()) {
                throw new IllegalArgumentException("a rollback preview needs a release id (letters, digits, '_', '-')");
            }
            ReleaseMetadata release = RunbooksController.rollbackRelease(history, target, spec, releaseId);
            commit = release.commit();
            id = release.id();
        } else {
            ref = GitClient.validateRef(gitRef == null || gitRef.isBlank() ? spec.branch() : gitRef);
            if (!Files.isRegularFile(layout.repository().resolve("HEAD"))) {
                throw new NotFoundException("the platform has not fetched target '" + target + "' yet: the first run "
                        + "fetches, then its refs can be previewed");
            }
            String named = ref;
            try {
                commit = git.resolve(layout.repository(), "origin", ref, StepLog.NONE);
            } catch (RuntimeException unknown) {
                throw new NotFoundException("git ref '" + named + "' is not known as of the platform's last fetch "
                        + "(a run fetches first, so a ref pushed since then still deploys)");
            }
            id = null;
        }
        Release release = new Release(target, spec, TargetRegistry.select(spec, components), servingCommit, commit, id);
        return new PlanPreview(
                processKey,
                ref,
                id,
                commit,
                safeSubject(layout, commit),
                servingCommit,
                spec.approval().required(),
                planner.plan(startEvent(processKey), release));
    }

    private String safeSubject(ReleaseLayout layout, String commit) {
        try {
            return commit == null ? null : git.subject(layout.repository(), commit, StepLog.NONE);
        } catch (RuntimeException notInMirror) {
            return null;
        }
    }

    private StartEvent startEvent(String processKey) {
        ProcessDefinition definition = repository
                .createProcessDefinitionQuery()
                .processDefinitionKey(processKey)
                .latestVersion()
                .singleResult();
        BpmnModelInstance model = repository.getBpmnModelInstance(definition.getId());
        return model.getModelElementsByType(StartEvent.class).stream()
                .filter(start -> start.getParentElement() instanceof org.camunda.bpm.model.bpmn.instance.Process)
                .findFirst()
                .orElseThrow();
    }
}

package dev.runbook.approval;

import dev.runbook.exec.Command;
import dev.runbook.exec.Redactor;
import dev.runbook.git.GitClient;
import dev.runbook.npm.NpmClient;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.release.ReleaseBackupStore;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.springframework.stereotype.Component;

/**
 * The plan shown with an approval: the steps a run will execute after the current one, in order, with the exact
 * commands each will run (built by the same client methods the steps use, so the plan and the step logs agree).
 * The steps and their order come from the process model: every service task reachable from the current step along
 * sequence flows (not the undo path: compensation handlers and event subprocesses). A step this class has no preview
 * for is still listed, with a note, so a step added to a model never goes missing from the plan.
 */
@Component
public class ReleasePlanner {

    static final String NO_PREVIEW = "no command preview for this step";

    private final GitClient git;
    private final NpmClient npm;
    private final Pm2Client pm2;
    private final Redactor redactor;

    public ReleasePlanner(GitClient git, NpmClient npm, Pm2Client pm2, Redactor redactor) {
        this.git = git;
        this.npm = npm;
        this.pm2 = pm2;
        this.redactor = redactor;
    }

    /** What a run changes: target, selected components, serving and new commit, and the backup a rollback restores. */
    public record Release(String targetName, Target target, Map<String, ComponentSpec> components, String fromCommit,
            String toCommit, String backupId) {}

    /**
     * One step of the plan.
     *
     * @param activityId BPMN element id ({@code Task_GitCheckout} ...)
     * @param name       element name
     * @param commands   the commands it runs, in order (empty for steps that only copy files or write records)
     * @param note       what else it does, or why no command is shown
     */
    public record PlannedStep(String activityId, String name, List<PlannedCommand> commands, String note) {}

    /**
     * One command as the step log will show it.
     *
     * @param command program and arguments joined by spaces ({@code GET <url>} for a health check)
     * @param dir     working directory, null for an HTTP call
     */
    public record PlannedCommand(String command, String dir) {}

    /** The steps after {@code current} in the model, with their commands for this release. */
    public List<PlannedStep> plan(FlowNode current, Release release) {
        return stepsAfter(current).stream().filter(task -> runs(task, release)).map(task -> step(task, release))
                .toList();
    }

    /**
     * Whether a step will run for this release: deploy's database steps run only when a selected component has a
     * migrate command (and the backup only when the target has a database), as the model's gateways decide.
     */
    private static boolean runs(ServiceTask task, Release release) {
        boolean migrate = release.components().values().stream().anyMatch(c -> !c.migrate().isEmpty());
        return switch (String.valueOf(task.getCamundaDelegateExpression())) {
            case "${migrateDelegate}" -> migrate;
            case "${dbBackupDelegate}" -> !"Task_DatabaseBackup".equals(task.getId())
                    || migrate && release.target().database() != null;
            default -> true;
        };
    }

    /** The plan on one line per step, numbered, for Tasklist's form. */
    public static String text(List<PlannedStep> plan) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            PlannedStep step = plan.get(i);
            String commands = step.commands().stream()
                    .map(c -> c.dir() == null ? c.command() : c.command() + " [in " + c.dir() + "]")
                    .collect(Collectors.joining("; "));
            String note = step.note() == null ? "" : (commands.isEmpty() ? "" : " — ") + step.note();
            lines.add((i + 1) + ") " + step.name() + ": " + commands + note);
        }
        return String.join("  ", lines);
    }

    /** Service tasks reachable from {@code current} along sequence flows, in flow order (reverse post-order). */
    static List<ServiceTask> stepsAfter(FlowNode current) {
        List<ServiceTask> postOrder = new ArrayList<>();
        visit(current, current, new HashSet<>(), postOrder);
        Collections.reverse(postOrder);
        return postOrder;
    }

    private static void visit(FlowNode node, FlowNode start, Set<FlowNode> seen, List<ServiceTask> postOrder) {
        seen.add(node);
        for (SequenceFlow flow : node.getOutgoing()) {
            if (!seen.contains(flow.getTarget())) {
                visit(flow.getTarget(), start, seen, postOrder);
            }
        }
        if (node != start && node instanceof ServiceTask task && !task.isForCompensation()) {
            postOrder.add(task);
        }
    }

    private PlannedStep step(ServiceTask task, Release release) {
        Target target = release.target();
        String expression = task.getCamundaDelegateExpression() == null ? "" : task.getCamundaDelegateExpression();
        List<PlannedCommand> commands = new ArrayList<>();
        String note = switch (expression) {
            case "${gitCheckoutDelegate}" -> {
                commands.add(planned(git.checkoutCommand(target.workdir(), release.toCommit())));
                yield null;
            }
            case "${installAndBuildDelegate}" -> {
                release.components().values().forEach(component -> {
                    Path dir = ReleaseBackupStore.componentDir(target, component);
                    commands.add(planned(npm.installCommand(dir, component)));
                    commands.add(planned(npm.buildCommand(dir, component)));
                });
                yield null;
            }
            case "${pm2ReloadDelegate}" -> {
                release.components().values().forEach(component -> commands.add(planned(pm2.startOrReloadCommand(
                        target.workdir().resolve(component.ecosystem()).normalize(), component.pm2App(),
                        target.env()))));
                yield "then each app must stay online for " + target.health().stabilityWindow().toMillis() + " ms";
            }
            case "${healthCheckDelegate}" -> {
                release.components().values().forEach(component -> commands.add(new PlannedCommand(
                        "GET " + redactor.redact(component.healthUrl()), null)));
                yield "until it answers 2xx: up to " + target.health().attempts() + " attempts, "
                        + target.health().interval().toMillis() + " ms apart";
            }
            case "${releaseBackupDelegate}" -> "checks that the target still serves " + abbreviate(release.fromCommit())
                    + " with a clean work tree, then saves that commit, " + artifacts(release)
                    + " and the PM2 process list into a new release backup (its id is known once it is taken, "
                    + "after the approval)";
            case "${restoreArtifactsDelegate}" -> "restores " + artifacts(release) + " from release backup "
                    + release.backupId() + " (no install, no build)";
            case "${recordReleaseDelegate}" -> "records the release; keeps the newest " + target.backups().keep()
                    + " release backups";
            case "${migrateDelegate}" -> {
                release.components().values().stream().filter(c -> !c.migrate().isEmpty()).forEach(component ->
                        commands.add(planned(new Command(npm.argv(component.migrate()),
                                ReleaseBackupStore.componentDir(target, component), target.env(),
                                java.time.Duration.ofMinutes(15)))));
                yield "with the target's env; a failure restores the database backup taken before";
            }
            case "${dbBackupDelegate}" -> "dumps the " + (target.database() == null ? "" : target.database().kind())
                    + " database into a new catalogued database backup (mongodump --archive --gzip or pg_dump -Fc), "
                    + "verified and checksummed before anything changes";
            case "${dbRestoreDelegate}" -> "restores the approved database backup (mongorestore --archive --gzip "
                    + "--drop or pg_restore --clean); a failure puts the safety backup back";
            case "${dbVerifyRestoreDelegate}" -> "compares the restored collection/table counts with the catalogue; "
                    + "a mismatch puts the safety backup back";
            default -> NO_PREVIEW;
        };
        return new PlannedStep(task.getId(), task.getName(), List.copyOf(commands), note);
    }

    private PlannedCommand planned(Command command) {
        return new PlannedCommand(redactor.redact(command.display()), command.dir().toString());
    }

    private static String artifacts(Release release) {
        return release.components().entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue().dir() + ": " + String.join(", ", e.getValue().artifacts())
                        + ")")
                .collect(Collectors.joining(", "));
    }

    private static String abbreviate(String sha) {
        return sha == null ? "the approved commit" : sha.substring(0, Math.min(12, sha.length()));
    }
}

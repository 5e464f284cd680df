package dev.runbook.git;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.approval.ReleasePlanner;
import dev.runbook.approval.ReleasePlanner.PlannedStep;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient.CommitInfo;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * What an approver sees before deciding, computed by the step before the approval and kept in process variables:
 * the commits between the serving and the new commit (at most {@value #MAX_COMMITS}, plus their count), both
 * commits' subjects, changed files per component, whether a database migration (and the database backup before it)
 * will run, and the {@link ReleasePlanner plan}. Values are Strings, Booleans and Longs (lists and maps as JSON),
 * so Cockpit and Tasklist can show them and no Java class is serialized into the engine.
 */
@Component
public class ApprovalContext {

    public static final int MAX_COMMITS = 50;
    /** Key of files outside every component dir in {@code changedFiles}. */
    public static final String OTHER_FILES = "(other)";
    /** The processes whose model runs a component's {@code migrate} command. */
    private static final List<String> MIGRATING_PROCESSES = List.of("deploy");

    /** Which way a run moves: to newer commits (deploy, update) or back to an older one (rollback). */
    public enum Direction {
        FORWARD,
        BACKWARD
    }

    private final GitClient git;
    private final ReleasePlanner planner;
    private final ObjectMapper json;

    public ApprovalContext(GitClient git, ReleasePlanner planner, ObjectMapper json) {
        this.git = git;
        this.planner = planner;
        this.json = json;
    }

    /**
     * The context variables of a release ({@code commits}, {@code commitCount}, {@code commitsText},
     * {@code fromSubject}, {@code toSubject}, {@code changedFiles}, {@code databaseMigration}, {@code plan},
     * {@code planText}). Runs git log, rev-list and diff in the target's mirror (logged to {@code log}); a release with no {@code fromCommit} (nothing served before) brings its whole history.
     *
     * @param direction FORWARD lists the commits the run brings; BACKWARD the commits a rollback takes away. A
     *                  FORWARD release whose {@code toCommit} is an ancestor of {@code fromCommit} (a deploy of an
     *                  older release) is described as BACKWARD, its {@code commitsText} starting "TAKEN AWAY"; a
     *                  BACKWARD release whose {@code toCommit} descends from {@code fromCommit} (a rollback to the
     *                  newer release after an earlier rollback) as FORWARD, listing what it brings
     * @param step      the step computing this (the plan lists the steps after it in its process model)
     */
    public Map<String, Object> describe(Release release, Direction direction, ProcessVariables step, StepLog log) {
        Target target = release.target();
        Path repository = target.layout().repository();
        String from = release.fromCommit();
        String to = release.toCommit();
        if (from == null) {
            // nothing served before: the first release brings its whole history
            List<CommitInfo> commits = git.commitsBetween(repository, null, to, MAX_COMMITS, log);
            return variables(
                    commits,
                    git.countBetween(repository, null, to, log),
                    Direction.FORWARD,
                    "",
                    git.subject(repository, to, log),
                    Map.of(),
                    step,
                    release);
        }
        // a deploy or update of an older commit than the serving one moves back: show what it takes away; a rollback
        // to a newer release than the serving one (after an earlier rollback) moves forward: show what it brings
        long brought =
                direction == Direction.FORWARD && !from.equals(to) ? git.countBetween(repository, from, to, log) : -1;
        long takenAway =
                direction == Direction.BACKWARD && !from.equals(to) ? git.countBetween(repository, to, from, log) : -1;
        Direction way = brought == 0 ? Direction.BACKWARD : takenAway == 0 ? Direction.FORWARD : direction;
        String base = way == Direction.FORWARD ? from : to;
        String tip = way == Direction.FORWARD ? to : from;
        List<CommitInfo> commits = git.commitsBetween(repository, base, tip, MAX_COMMITS, log);
        long count = base.equals(tip)
                ? 0
                : brought > 0 ? brought : takenAway > 0 ? takenAway : git.countBetween(repository, base, tip, log);
        Map<String, Integer> changed = from.equals(to)
                ? Map.of()
                : byComponent(git.changedFiles(repository, from, to, log), target.components());
        return variables(
                commits,
                count,
                way,
                git.subject(repository, from, log),
                git.subject(repository, to, log),
                changed,
                step,
                release);
    }

    private Map<String, Object> variables(
            List<CommitInfo> commits,
            long count,
            Direction way,
            String fromSubject,
            String toSubject,
            Map<String, Integer> changed,
            ProcessVariables step,
            Release release) {
        Target target = release.target();
        List<PlannedStep> plan = planner.planAfter(step, release);

        Map<String, Object> variables = new HashMap<>();
        variables.put(ProcessVariables.COMMITS, toJson(commits));
        variables.put(ProcessVariables.COMMIT_COUNT, count);
        variables.put(ProcessVariables.COMMIT_DIRECTION, way.name());
        variables.put(
                ProcessVariables.COMMITS_TEXT,
                way == Direction.BACKWARD && !commits.isEmpty()
                        ? "TAKEN AWAY (moves back to an older commit): " + commitsText(commits, count)
                        : commitsText(commits, count));
        variables.put(ProcessVariables.FROM_SUBJECT, fromSubject);
        variables.put(ProcessVariables.TO_SUBJECT, toSubject);
        variables.put(ProcessVariables.CHANGED_FILES, toJson(changed));
        variables.put(ProcessVariables.DATABASE_MIGRATION, migrates(step.processKey(), target, release.components()));
        variables.put(ProcessVariables.PLAN, toJson(plan));
        variables.put(ProcessVariables.PLAN_TEXT, ReleasePlanner.text(plan));
        return variables;
    }

    /**
     * Counts changed files per component of the target (config order): a file counts for every component whose dir
     * holds it (dir {@code .} holds all); files in none count under {@value #OTHER_FILES}, shown only when non-zero.
     */
    static Map<String, Integer> byComponent(List<String> files, Map<String, ComponentSpec> components) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        components.keySet().forEach(name -> counts.put(name, 0));
        int other = 0;
        for (String file : files) {
            boolean matched = false;
            for (Map.Entry<String, ComponentSpec> entry : components.entrySet()) {
                if (holds(entry.getValue().dir(), file)) {
                    counts.merge(entry.getKey(), 1, Integer::sum);
                    matched = true;
                }
            }
            other += matched ? 0 : 1;
        }
        if (other > 0) {
            counts.put(OTHER_FILES, other);
        }
        return counts;
    }

    private static boolean holds(String dir, String file) {
        String prefix = dir == null
                ? ""
                : dir.replace('\\', '/').replaceAll("^(\\./)+", "").replaceAll("/+$", "");
        return prefix.isEmpty() || ".".equals(prefix) || file.startsWith(prefix + "/");
    }

    /** True when this process runs migrations and a selected component has one and the target has a database. */
    static boolean migrates(String processKey, Target target, Map<String, ComponentSpec> components) {
        return MIGRATING_PROCESSES.contains(processKey)
                && target.database() != null
                && components.values().stream().anyMatch(c -> !c.migrate().isEmpty());
    }

    private static String commitsText(List<CommitInfo> commits, long count) {
        if (commits.isEmpty()) {
            return "none";
        }
        String text = commits.stream()
                .map(c -> c.sha().substring(0, 7) + " " + c.subject() + " (" + c.author() + ", " + c.date() + ")")
                .collect(Collectors.joining("; "));
        return count > commits.size() ? text + "; … and " + (count - commits.size()) + " more" : text;
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

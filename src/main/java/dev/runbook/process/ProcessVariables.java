package dev.runbook.process;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;

/**
 * Every process variable name of the platform, and typed access to them. One Java type per variable:
 * Strings unless stated; {@code approved} and {@code approvalRequired} Boolean; {@code approvalTimeout} an ISO-8601
 * duration String; {@code commits} a JSON String.
 * The approval context written before an approval: {@code commitCount} Long, {@code databaseMigration} Boolean,
 * {@code changedFiles} and {@code plan} JSON Strings, the rest (subjects, {@code commitsText}, {@code planText}) text
 * for Tasklist's form.
 */
public final class ProcessVariables {

    public static final String TARGET = "target";
    public static final String GIT_REF = "gitRef";
    public static final String COMPONENTS = "components";
    public static final String BACKUP_ID = "backupId";
    public static final String SAFETY_BACKUP_ID = "safetyBackupId";
    public static final String ACTION = "action";
    public static final String APP = "app";
    public static final String PREVIOUS_COMMIT = "previousCommit";
    public static final String TARGET_COMMIT = "targetCommit";
    public static final String APPROVED = "approved";
    public static final String APPROVAL_COMMENT = "approvalComment";
    public static final String APPROVAL_REQUIRED = "approvalRequired";
    public static final String APPROVAL_TIMEOUT = "approvalTimeout";
    /** The group whose members may decide the run's approval (the approval task's candidate group). */
    public static final String APPROVAL_GROUP = "approvalGroup";
    /** Who decided the approval (approved or rejected); deprecated name of {@link #DECIDED_BY}, kept one release. */
    public static final String APPROVED_BY = "approvedBy";
    /** Who decided the approval, whichever way ({@code approved} says which). */
    public static final String DECIDED_BY = "decidedBy";
    /** {@code FORWARD} (the commits listed are brought) or {@code BACKWARD} (they are taken away). */
    public static final String COMMIT_DIRECTION = "commitDirection";

    public static final String REQUESTED_BY = "requestedBy";
    public static final String COMMITS = "commits";
    public static final String RUN_OUTCOME = "runOutcome";
    public static final String FAILED_STEP = "failedStep";
    public static final String FAILURE_CODE = "failureCode";
    /** The remote host a failed host-bound step ran on (unset for the platform's own host, {@code local}). */
    public static final String FAILED_HOST = "failedHost";

    public static final String FAILURE_MESSAGE = "failureMessage";
    /** Database backups: the catalogue id of the backup taken or restored, and the safety backup of db-restore. */
    public static final String DB_BACKUP_ID = "dbBackupId";

    public static final String SAFETY_DB_BACKUP_ID = "safetyDbBackupId";
    /** Schedule class of a database backup: {@code manual}, {@code daily}, {@code weekly} or {@code monthly}. */
    public static final String SCHEDULE_CLASS = "scheduleClass";
    /** db-restore: the database restored into (default the target's own), the backup's summary for the approver. */
    public static final String INTO_DATABASE = "intoDatabase";

    public static final String DB_BACKUP_SUMMARY = "dbBackupSummary";
    /** db-restore: per-collection/table counts the restore reported (JSON object), checked against the catalogue. */
    public static final String RESTORED_COUNTS = "restoredCounts";
    /** deploy: Boolean, a selected component has a migrate command; and the target has a database to back up. */
    public static final String MIGRATION_REQUIRED = "migrationRequired";

    public static final String DATABASE_BACKUP_REQUIRED = "databaseBackupRequired";
    /** db-backup-schedule: cron per schedule class ({@code off} when disabled). */
    public static final String DAILY_CRON = "dailyCron";

    public static final String WEEKLY_CRON = "weeklyCron";
    public static final String MONTHLY_CRON = "monthlyCron";
    /** monitor: Boolean, the check found the target healthy. */
    public static final String HEALTHY = "healthy";
    /** monitor: the health report as JSON (at most ~3900 characters; the last error-log lines go first). */
    public static final String HEALTH_REPORT = "healthReport";
    /** monitor: why the target is unhealthy, one reason a line (empty when healthy). */
    public static final String UNHEALTHY_REASONS = "unhealthyReasons";
    /** monitor: Boolean, this run handed the episode's alert to the notifier (see MonitorAlertDelegate). */
    public static final String ALERTED = "alerted";

    public static final String FROM_SUBJECT = "fromSubject";
    public static final String TO_SUBJECT = "toSubject";
    public static final String COMMIT_COUNT = "commitCount";
    public static final String COMMITS_TEXT = "commitsText";
    public static final String CHANGED_FILES = "changedFiles";
    public static final String DATABASE_MIGRATION = "databaseMigration";
    public static final String PLAN = "plan";
    public static final String PLAN_TEXT = "planText";
    /** true once the run's forward reload step began: from then on PM2 may run the new release. */
    public static final String APPS_RELOADED = "appsReloaded";
    /** The PM2 app a failed health check saw crashing: the undo stops it even if PM2 restarted it meanwhile. */
    public static final String CRASHED_APP = "crashedApp";
    /** Deploy, update: the release directory this run prepares; rollback: the release it switches to. */
    public static final String RELEASE_ID = "releaseId";

    /** Release ids that running runs refer to, comma-separated: the record step writes it, each host's prune spares them. */
    public static final String RELEASES_IN_USE = "releasesInUse";

    /** The hosts of a run whose prepare step completed (comma-separated, in order; see {@code host.Rollout}). */
    public static final String PREPARED_HOSTS = "preparedHosts";
    /** An operator's decision on a failed host ({@code rollout.on-failure: ask}): {@code retry} or {@code rollback}. */
    public static final String HOST_DECISION = "hostDecision";
    /** The user task of that decision. */
    public static final String HOST_FAILURE_TASK = "Task_DecideHostFailure";
    /** The operator's comment on that decision (redacted). */
    public static final String DECISION_COMMENT = "decisionComment";

    /** The hosts of a run whose switch step completed (comma-separated, in order; see {@code host.Rollout}). */
    public static final String SWITCHED_HOSTS = "switchedHosts";
    /** The release that served when the run was requested (null when none did): where a switch back goes. */
    public static final String PREVIOUS_RELEASE_ID = "previousReleaseId";

    /** A promotion's source: where the commit passed (the approval shows it); "" for a deploy that is no promotion. */
    public static final String PROMOTION = "promotion";

    /**
     * What served on a remote host new to the target when its prepare step ran ("": nothing), kept per host; read
     * through {@link #previousReleaseId()}.
     */
    public static final String HOST_PREVIOUS_RELEASE_ID = "hostPreviousReleaseId";
    /**
     * What PM2 showed after the last reload or restart step (JSON: when it began, each app's restart count), so the
     * health check that follows can tell a crash from the reload.
     */
    public static final String RELOAD_BASELINE = "reloadBaseline";

    /** The variables a host's steps leave for its later steps (see {@link #string}: kept per host). */
    private static final Set<String> PER_HOST =
            Set.of(APPS_RELOADED, CRASHED_APP, RELOAD_BASELINE, HOST_PREVIOUS_RELEASE_ID);

    private final VariableScope scope;
    /** For an external task: the variables it was fetched with, and what the step wrote (sent with its completion). */
    private final Map<String, Object> fetched;

    private final Map<String, Object> written;
    private final StepContext step;

    private ProcessVariables(VariableScope scope, Map<String, Object> fetched, StepContext step) {
        this.scope = scope;
        this.fetched = fetched;
        this.written = new HashMap<>();
        this.step = step;
    }

    public static ProcessVariables of(VariableScope scope) {
        StepContext step = scope instanceof DelegateExecution execution
                ? StepContext.of(
                        execution.getProcessInstanceId(),
                        key(execution.getProcessDefinitionId()),
                        execution.getCurrentActivityId(),
                        execution.getBpmnModelElementInstance())
                : new StepContext(null, null, null, null, false);
        return new ProcessVariables(scope, null, step);
    }

    /**
     * The variables of a step that runs as an external task: reads see {@code fetched} and what the step wrote since;
     * writes are kept in {@link #written} for the task's completion (or its BPMN error).
     */
    public static ProcessVariables of(Map<String, Object> fetched, StepContext step) {
        return new ProcessVariables(null, new HashMap<>(fetched), step);
    }

    /** Which step of which run the variables belong to (all null outside a process execution). */
    /**
     * @param element the BPMN element of the step; null on a host's agent, which has no engine
     * @param undo    whether the step is in an undo path (a compensation handler, or a step of an event subprocess
     *                that rolls back): its expected failures are incidents, not BPMN errors
     */
    public record StepContext(
            String runId, String processKey, String activityId, ModelElementInstance element, boolean undo) {

        /** The context of a step the engine runs here, its undo path read from its element. */
        public static StepContext of(String runId, String processKey, String activityId, ModelElementInstance element) {
            return new StepContext(runId, processKey, activityId, element, RunbookDelegate.inUndoPath(element));
        }
    }

    /** Whether the step that runs now is in an undo path (see {@link StepContext#undo}). */
    public boolean inUndoPath() {
        return step.undo();
    }

    /** What the step wrote, for an external task's completion (empty for a delegate: it writes through). */
    public Map<String, Object> written() {
        return Collections.unmodifiableMap(new HashMap<>(written));
    }

    private static String key(String processDefinitionId) {
        return processDefinitionId == null ? null : processDefinitionId.split(":", 2)[0];
    }

    public String target() {
        return required(TARGET);
    }

    public String gitRef() {
        return string(GIT_REF);
    }

    public String components() {
        return string(COMPONENTS);
    }

    public String backupId() {
        return required(BACKUP_ID);
    }

    public String previousCommit() {
        return required(PREVIOUS_COMMIT);
    }

    public String releaseId() {
        return required(RELEASE_ID);
    }

    /**
     * The release that served when the run was requested; null when none did (a target's first deploy). On a remote
     * host new to the target (it served nothing when its prepare step ran) this host's own: none.
     */
    public String previousReleaseId() {
        String own = string(HOST_PREVIOUS_RELEASE_ID);
        if (own != null) {
            return own.isBlank() ? null : own;
        }
        return string(PREVIOUS_RELEASE_ID);
    }

    /** The remote host a per-host part of a run is for; null on the platform's own machine. */
    public String remoteHost() {
        Object host = raw(HostBound.HOST_VARIABLE);
        return host instanceof String h && !h.isBlank() && !HostBound.LOCAL.equals(h) ? h : null;
    }

    public String targetCommit() {
        return required(TARGET_COMMIT);
    }

    /** The process instance id of the run (its {@code runId} in the API). */
    public String runId() {
        return step.runId();
    }

    /** The key of the run's process definition ({@code deploy} ...; null outside a process execution). */
    public String processKey() {
        return step.processKey();
    }

    /** The id of the BPMN element of the step that runs now (null outside a process execution). */
    public String activityId() {
        return step.activityId();
    }

    /** The BPMN element of the step that runs now (null outside a process execution). */
    public ModelElementInstance currentElement() {
        return step.element();
    }

    public String requestedBy() {
        return string(REQUESTED_BY);
    }

    /** A String variable, or null when unset. */
    public String string(String name) {
        Object value = raw(stored(name));
        return value == null ? null : value.toString();
    }

    private Object raw(String name) {
        return scope != null
                ? scope.getVariable(name)
                : written.containsKey(name) ? written.get(name) : fetched.get(name);
    }

    /**
     * Where a variable is kept: one that a host's steps leave for its later steps ({@link #PER_HOST}) is kept per
     * host ({@code reloadBaseline.web-1}) in a per-host part of a run on remote hosts, so that undoing host 1 after
     * host 2 failed reads host 1's, not host 2's.
     */
    private String stored(String name) {
        if (!PER_HOST.contains(name)) {
            return name;
        }
        String host = remoteHost();
        return host == null ? name : name + "." + host;
    }

    /** A String variable that the model guarantees; IllegalStateException (an incident) when it is missing. */
    public String required(String name) {
        String value = string(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("process variable '" + name + "' is missing");
        }
        return value;
    }

    public void set(String name, Object value) {
        if (scope != null) {
            scope.setVariable(stored(name), value);
        } else {
            written.put(stored(name), value);
        }
    }

    public void setAll(Map<String, ?> values) {
        values.forEach(this::set);
    }
}

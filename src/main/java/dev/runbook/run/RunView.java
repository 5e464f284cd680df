package dev.runbook.run;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;

/**
 * A run as the API shows it.
 *
 * @param runId        process instance id
 * @param processKey   process definition key ({@code deploy} ...)
 * @param target       target name
 * @param businessKey  {@code <target>:<description>}
 * @param state        {@code RUNNING}, {@code WAITING_FOR_APPROVAL}, {@code WAITING_FOR_TARGET} (approved; another
 *                     run holds the target), {@code INCIDENT} or {@code ENDED}
 * @param outcome      {@code runOutcome} ({@code DEPLOYED}, {@code ROLLED_BACK} ...), null while running
 * @param requestedBy  the user who started it
 * @param approvedBy   deprecated (removed in the next release): the user who decided the approval, whichever way; use
 *                     {@code decidedBy} and {@code approved}
 * @param decidedBy    the user who decided the approval (approved or rejected), if any
 * @param approved     the decision: true approved, false rejected, null if none was made
 * @param gitRef       requested ref, if any
 * @param targetCommit commit being deployed, if resolved
 * @param previousCommit the commit that served before the run changed anything (the serving release's), if read
 * @param backupId     deploy and update: the release directory the run made; rollback: the release it switched to;
 *                     backup: the release it pinned; null if none
 * @param failure      {@code failureCode: failureMessage} of the step that failed, if any
 * @param startedAt    start time (null for a step running now: its start commits with its end)
 * @param endedAt      end time, null while running
 * @param steps        service and user tasks in start order, compensation handlers included
 * @param approval     the run's approval, if it had one (single-run view only)
 * @param path         every BPMN element the run entered (events, gateways, tasks), in order (single-run view
 *                     only); the run page draws it on the diagram
 */
public record RunView(
        String runId,
        String processKey,
        String target,
        String businessKey,
        String state,
        String outcome,
        String requestedBy,

        @Schema(
                deprecated = true,
                description = "Deprecated, removed in the next release: who decided the approval, whichever "
                        + "way (a rejection fills it too). Use decidedBy and approved.")
        String approvedBy,

        String decidedBy,
        Boolean approved,
        String gitRef,
        String targetCommit,
        String previousCommit,
        String backupId,
        String failure,
        Instant startedAt,
        Instant endedAt,
        List<Step> steps,
        Approval approval,
        List<String> path) {

    /**
     * The approval of a run.
     *
     * @param taskId      the approval task
     * @param requestedAt when it started waiting
     * @param deadline    when it expires unless decided
     * @param decidedAt   when it was decided (or expired), null while waiting
     * @param decidedBy   who decided, null while waiting or when it expired
     * @param approved    the decision, null while waiting or when it expired
     * @param comment     the decider's comment
     */
    public record Approval(
            String taskId,
            Instant requestedAt,
            Instant deadline,
            Instant decidedAt,
            String decidedBy,
            Boolean approved,
            String comment) {}

    /**
     * One step.
     *
     * @param activityId   BPMN element id, e.g. {@code Task_GitCheckout}
     * @param name         element name
     * @param startedAt    start time (null for a step running now: its start commits with its end)
     * @param endedAt      end time, null while it runs
     * @param outcome      {@code RUNNING}, {@code COMPLETED}, {@code FAILED} (it raised the error), {@code CANCELED} or
     *                     {@code INCIDENT} (stopped at an incident, waiting for an operator)
     * @param compensation true for a compensation handler, or a step of a per-host undo loop that undoes one
     * @param logTail      the last lines of the step's command log (empty when it ran no command)
     * @param host         the remote host the step ran on, in a run over a target's hosts (null on the platform's own
     *                     machine); its whole log is {@code /api/runs/{runId}/steps/{activityId}/log?host=<host>}
     */
    public record Step(
            String activityId,
            String name,
            Instant startedAt,
            Instant endedAt,
            String outcome,
            boolean compensation,
            String logTail,
            String host) {}
}

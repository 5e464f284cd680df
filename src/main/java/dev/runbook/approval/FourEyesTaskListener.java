package dev.runbook.approval;

import dev.runbook.audit.Refusal;
import dev.runbook.audit.Refusals;
import dev.runbook.process.ProcessVariables;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.task.IdentityLink;
import org.springframework.stereotype.Component;

/**
 * Task listener on the {@code complete} and {@code assignment} events of every approval task: refuses the completion
 * when nobody is authenticated or when the authenticated user is the run's requester ({@code requestedBy}), otherwise
 * and when the user is in none of the task's candidate groups (the target's {@code approval.group}; an administrator may
 * decide any), otherwise records {@code decidedBy} (and {@code approvedBy}, its deprecated name); refuses to assign
 * (claim) the approval to its requester. It runs inside the engine, so it holds for /api, /engine-rest and Tasklist alike; the refused
 * completion is rolled back and the task stays open.
 */
@Component("fourEyesTaskListener")
public class FourEyesTaskListener implements TaskListener {

    private static final String ADMIN = "camunda-admin";

    private final IdentityService identity;
    private final Refusals refusals;

    public FourEyesTaskListener(IdentityService identity, Refusals refusals) {
        this.identity = identity;
        this.refusals = refusals;
    }

    @Override
    public void notify(DelegateTask task) {
        String requester = (String) task.getVariable(ProcessVariables.REQUESTED_BY);
        if (TaskListener.EVENTNAME_ASSIGNMENT.equals(task.getEventName())) {
            if (task.getAssignee() != null && task.getAssignee().equals(requester)) {
                throw refused(
                        task,
                        "claim approval " + task.getId(),
                        "four eyes: " + requester
                                + " requested this run and cannot claim its approval; another approver must decide it");
            }
            return;
        }
        Authentication authentication = identity.getCurrentAuthentication();
        if (authentication == null || authentication.getUserId() == null) {
            throw refused(
                    task, "decide approval " + task.getId(), "an approval can only be decided by a signed-in user");
        }
        if (authentication.getUserId().equals(requester)) {
            throw refused(
                    task,
                    "decide approval " + task.getId(),
                    "four eyes: " + requester
                            + " requested this run and cannot decide its approval; another approver must");
        }
        List<String> groups = authentication.getGroupIds() == null ? List.of() : authentication.getGroupIds();
        Set<String> candidates = candidateGroups(task);
        if (!mayDecide(groups, candidates)) {
            // Tasklist lets any member of approvers work on any task: the target's own approver group is held here
            throw refused(
                    Refusals.Reason.NOT_AN_APPROVER,
                    task,
                    "decide approval " + task.getId(),
                    authentication.getUserId() + " is not in a group that may decide this approval (" + candidates
                            + ")");
        }
        task.setVariable(ProcessVariables.DECIDED_BY, authentication.getUserId());
        task.setVariable(ProcessVariables.APPROVED_BY, authentication.getUserId());
    }

    /** The task's candidate groups, sorted. */
    static Set<String> candidateGroups(DelegateTask task) {
        return task.getCandidates().stream()
                .map(IdentityLink::getGroupId)
                .filter(Objects::nonNull)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Whether members of {@code groups} may decide a task of these candidate groups (any, if it names none). */
    static boolean mayDecide(List<String> groups, Set<String> candidates) {
        return candidates.isEmpty() || groups.contains(ADMIN) || groups.stream().anyMatch(candidates::contains);
    }

    /** Audits the refusal (in a transaction of its own: the caller's is rolled back) and returns the exception. */
    private FourEyesViolationException refused(DelegateTask task, String what, String why) {
        return refused(Refusals.Reason.FOUR_EYES, task, what, why);
    }

    private FourEyesViolationException refused(Refusals.Reason reason, DelegateTask task, String what, String why) {
        Authentication caller = identity.getCurrentAuthentication();
        String definition = task.getProcessDefinitionId();
        refusals.record(
                reason,
                caller == null ? null : caller.getUserId(),
                (String) task.getVariable(ProcessVariables.TARGET),
                definition == null ? null : definition.split(":")[0],
                task.getProcessInstanceId(),
                what,
                why);
        return new FourEyesViolationException(why);
    }

    /** The decider may not decide this approval (their own request, or not signed in). */
    public static class FourEyesViolationException extends RuntimeException implements Refusal {
        public FourEyesViolationException(String message) {
            super(message);
        }
    }
}

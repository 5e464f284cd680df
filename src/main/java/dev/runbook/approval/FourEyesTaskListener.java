package dev.runbook.approval;

import dev.runbook.process.ProcessVariables;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.springframework.stereotype.Component;

/**
 * Task listener on the {@code complete} event of every approval task: refuses the completion when nobody is
 * authenticated or when the authenticated user is the run's requester ({@code requestedBy}); otherwise records
 * {@code approvedBy}. It runs inside the engine, so it holds for /api, /engine-rest and Tasklist alike; the refused
 * completion is rolled back and the task stays open.
 */
@Component("fourEyesTaskListener")
public class FourEyesTaskListener implements TaskListener {

    private final IdentityService identity;

    public FourEyesTaskListener(IdentityService identity) {
        this.identity = identity;
    }

    @Override
    public void notify(DelegateTask task) {
        Authentication authentication = identity.getCurrentAuthentication();
        if (authentication == null || authentication.getUserId() == null) {
            throw new FourEyesViolationException("an approval can only be decided by a signed-in user");
        }
        String requester = (String) task.getVariable(ProcessVariables.REQUESTED_BY);
        if (authentication.getUserId().equals(requester)) {
            throw new FourEyesViolationException("four eyes: " + requester
                    + " requested this run and cannot decide its approval; another approver must");
        }
        task.setVariable(ProcessVariables.APPROVED_BY, authentication.getUserId());
    }

    /** The decider may not decide this approval (their own request, or not signed in). */
    public static class FourEyesViolationException extends RuntimeException {
        public FourEyesViolationException(String message) {
            super(message);
        }
    }
}

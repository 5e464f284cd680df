package dev.runbook.approval;

import dev.runbook.process.ProcessVariables;
import java.time.Duration;
import java.util.Date;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * Task listener on the {@code create} event of every approval task: sets the task's due date to the moment its
 * timeout timer fires (now + {@code approvalTimeout}, the same ISO-8601 duration the boundary timer uses, on the
 * engine clock), so Tasklist, {@code GET /api/approvals} and notifications show the deadline.
 */
@Component("approvalDeadlineTaskListener")
public class ApprovalDeadlineTaskListener implements TaskListener {

    @Override
    public void notify(DelegateTask task) {
        Object timeout = task.getVariable(ProcessVariables.APPROVAL_TIMEOUT);
        if (timeout != null) {
            Date now = ClockUtil.getCurrentTime();
            task.setDueDate(
                    new Date(now.getTime() + Duration.parse(timeout.toString()).toMillis()));
        }
    }
}

package dev.runbook.audit;

import dev.runbook.process.ProcessVariables;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.incident.IncidentContext;
import org.camunda.bpm.engine.impl.incident.IncidentHandler;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.runtime.Incident;

/**
 * Wraps one of the engine's incident handlers (failed jobs, failed external tasks): records {@code INCIDENT} when a job has used up its retries, and
 * {@code INCIDENT_RETRY} with the user when someone gives a job with an open incident new retries (Cockpit's retry
 * button, {@code PUT /engine-rest/job/{id}/retries}). The message is redacted by the audit trail.
 */
class IncidentAuditHandler implements IncidentHandler {

    private final IncidentHandler delegate;
    private final AuditTrail trail;

    IncidentAuditHandler(IncidentHandler delegate, AuditTrail trail) {
        this.delegate = delegate;
        this.trail = trail;
    }

    @Override
    public String getIncidentHandlerType() {
        return delegate.getIncidentHandlerType();
    }

    @Override
    public Incident handleIncident(IncidentContext context, String message) {
        Incident incident = delegate.handleIncident(context, message);
        record(AuditAction.INCIDENT, context, "OPEN", context.getActivityId() + ": " + message);
        return incident;
    }

    @Override
    public void resolveIncident(IncidentContext context) {
        // the engine calls this whenever a job succeeds or gets retries; only an open incident is a retry
        boolean open = !Context.getCommandContext()
                .getIncidentManager()
                .findIncidentByConfigurationAndIncidentType(context.getConfiguration(), getIncidentHandlerType())
                .isEmpty();
        delegate.resolveIncident(context);
        if (open) {
            record(AuditAction.INCIDENT_RETRY, context, "RETRIED", context.getActivityId());
        }
    }

    @Override
    public void deleteIncident(IncidentContext context) {
        // the run was cancelled or the job deleted: the CANCEL or END event records that
        delegate.deleteIncident(context);
    }

    private void record(AuditAction action, IncidentContext context, String outcome, String detail) {
        ExecutionEntity execution = context.getExecutionId() == null
                ? null
                : Context.getCommandContext().getExecutionManager().findExecutionById(context.getExecutionId());
        Authentication authentication =
                Context.getProcessEngineConfiguration().getIdentityService().getCurrentAuthentication();
        Object target = execution == null ? null : execution.getVariable(ProcessVariables.TARGET);
        trail.record(
                action,
                authentication == null ? null : authentication.getUserId(),
                target == null ? null : target.toString(),
                RunAuditListener.processKey(execution),
                execution == null ? null : execution.getProcessInstanceId(),
                "activity=" + context.getActivityId(),
                outcome,
                detail);
    }
}

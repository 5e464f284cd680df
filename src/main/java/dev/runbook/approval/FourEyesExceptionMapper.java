package dev.runbook.approval;

import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.run.TargetLockResponses;
import jakarta.annotation.Priority;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Map;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.rest.exception.ExceptionHandlerHelper;
import org.camunda.bpm.engine.rest.exception.RestException;

/**
 * Camunda's exception mappers for {@code /engine-rest}, with 403 and the listener's message for a four-eyes refusal
 * (which the engine, and then the task resource, wrap in generic exceptions that Camunda answers with 500), 400 for
 * a decision that is not a Boolean ({@link ApprovalPin.InvalidDecisionException}), 409 for the loser of two
 * simultaneous decisions (optimistic locking), and the answers of {@link TargetLockResponses} (409 busy target) for
 * a start the target lock refused.
 */
public final class FourEyesExceptionMapper {

    private FourEyesExceptionMapper() {}

    static Response toResponse(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof FourEyesViolationException violation) {
                return Response.status(Response.Status.FORBIDDEN)
                        .type(MediaType.APPLICATION_JSON_TYPE)
                        .entity(Map.of("type", "FourEyesViolation", "message", violation.getMessage()))
                        .build();
            }
            if (cause instanceof ApprovalPin.InvalidDecisionException invalid) {
                return Response.status(Response.Status.BAD_REQUEST)
                        .type(MediaType.APPLICATION_JSON_TYPE)
                        .entity(Map.of("type", "InvalidDecision", "message", invalid.getMessage()))
                        .build();
            }
            if (cause instanceof OptimisticLockingException) {
                return Response.status(Response.Status.CONFLICT)
                        .type(MediaType.APPLICATION_JSON_TYPE)
                        .entity(Map.of(
                                "type",
                                "Conflict",
                                "message",
                                "someone else changed this at the same time "
                                        + "(e.g. decided this approval); reload and try again"))
                        .build();
            }
            Response targetLock = TargetLockResponses.of(cause);
            if (targetLock != null) {
                return targetLock;
            }
        }
        return ExceptionHandlerHelper.getInstance().getResponse(exception);
    }

    /** For engine exceptions thrown straight through (e.g. {@code POST /task/{id}/submit-form}). */
    @Priority(1)
    public static class ForEngineExceptions implements ExceptionMapper<ProcessEngineException> {
        @Override
        public Response toResponse(ProcessEngineException exception) {
            return FourEyesExceptionMapper.toResponse(exception);
        }
    }

    /** For engine exceptions the task resource wrapped (e.g. {@code POST /task/{id}/complete}). */
    @Priority(1)
    public static class ForRestExceptions implements ExceptionMapper<RestException> {
        @Override
        public Response toResponse(RestException exception) {
            return FourEyesExceptionMapper.toResponse(exception);
        }
    }
}

package dev.runbook.run;

import dev.runbook.run.RunLauncher.TargetBusyException;
import dev.runbook.run.TargetLockEnginePlugin.TargetRequiredException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code /engine-rest} answers to a start the target lock refused ({@link TargetLockEnginePlugin}), in Camunda's
 * error shape ({@code type}, {@code message}): 409 with the holding {@code runId} for a busy target, 400 for a
 * changing process started without a target. Camunda would answer both with 500; its exception mappers
 * ({@code approval/FourEyesExceptionMapper}) ask here first. {@code /api} answers a busy target with problem+json.
 */
public final class TargetLockResponses {

    private TargetLockResponses() {}

    /** The response for {@code exception} when it is a refusal of the target lock, else null. */
    public static Response of(Throwable exception) {
        if (exception instanceof TargetBusyException busy) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", "TargetBusy");
            body.put("message", busy.getMessage());
            if (busy.runId() != null) {
                body.put("runId", busy.runId());
            }
            return json(Response.Status.CONFLICT, body);
        }
        if (exception instanceof TargetRequiredException) {
            return json(
                    Response.Status.BAD_REQUEST, Map.of("type", "TargetRequired", "message", exception.getMessage()));
        }
        return null;
    }

    private static Response json(Response.Status status, Map<String, Object> body) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body)
                .build();
    }
}

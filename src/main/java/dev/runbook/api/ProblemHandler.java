package dev.runbook.api;

import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.run.RunLauncher.TargetBusyException;
import dev.runbook.target.TargetRegistry.UnknownTargetException;
import jakarta.validation.ConstraintViolationException;
import java.net.URI;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every error of {@code /api} into an RFC 9457 problem+json body with a clear {@code detail}: 400 bad input,
 * 403 not allowed (four eyes), 404 unknown target, run or task, 409 busy target or decided approval. Never a stack
 * trace, class name or secret; unexpected errors are logged and answered with a generic 500.
 */
@RestControllerAdvice(basePackages = "dev.runbook.api")
class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler({IllegalArgumentException.class, ConstraintViolationException.class})
    ProblemDetail badRequest(RuntimeException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ExceptionHandler({UnknownTargetException.class, NotFoundException.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(FourEyesViolationException.class)
    ProblemDetail forbidden(RuntimeException e) {
        return problem(HttpStatus.FORBIDDEN, "Not allowed", e.getMessage());
    }

    @ExceptionHandler(TargetBusyException.class)
    ProblemDetail busy(TargetBusyException e) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "Target busy", e.getMessage());
        problem.setProperty("runId", e.runId());
        problem.setInstance(URI.create("/api/runs/" + e.runId()));
        return problem;
    }

    @ExceptionHandler({ConflictException.class, OptimisticLockingException.class})
    ProblemDetail conflict(RuntimeException e) {
        String detail = e instanceof ConflictException ? e.getMessage()
                : "someone else changed this at the same time; reload and try again";
        return problem(HttpStatus.CONFLICT, "Conflict", detail);
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("unexpected error in API call", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error",
                "the platform could not complete the request; see the platform log");
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(error -> error.getField() + ": " + error.getDefaultMessage()).sorted()
                .reduce((a, b) -> a + "; " + b).orElse("invalid request body");
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "Bad request", detail));
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }

    /** A named run, task or backup does not exist (404). */
    static class NotFoundException extends RuntimeException {
        NotFoundException(String message) {
            super(message);
        }
    }

    /** The request conflicts with the current state, e.g. an approval already decided (409). */
    static class ConflictException extends RuntimeException {
        ConflictException(String message) {
            super(message);
        }
    }
}

package dev.runbook.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.config.TargetRegistry.UnknownTargetException;
import dev.runbook.exec.Redactor;
import dev.runbook.host.HostContacts;
import dev.runbook.run.RunLauncher.TargetBusyException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import java.net.URI;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every error of {@code /api} (and of any other Spring MVC path: 404, 405 ...) into an RFC 9457 problem+json body with a clear {@code detail}: 400 bad input,
 * 403 not allowed (four eyes, engine permission), 404 unknown target, run or task, 409 busy target or decided
 * approval, 413 body too large, 415 wrong content type. Never a stack trace, class name or secret (details are
 * redacted); unexpected errors are logged and answered with a generic 500.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    private final Redactor redactor;

    ProblemHandler(Redactor redactor) {
        this.redactor = redactor;
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(RuntimeException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ProblemDetail invalid(ConstraintViolationException e) {
        String detail = e.getConstraintViolations().stream()
                .map(ProblemHandler::violation)
                .sorted()
                .collect(Collectors.joining("; "));
        return problem(HttpStatus.BAD_REQUEST, "Bad request", detail.isEmpty() ? "invalid request" : detail);
    }

    /** {@code target: must match "..."}: the parameter's name, not the method's. */
    private static String violation(ConstraintViolation<?> violation) {
        String name = null;
        for (Path.Node node : violation.getPropertyPath()) {
            name = node.getName();
        }
        return name + ": " + violation.getMessage();
    }

    @ExceptionHandler(AuthorizationException.class)
    ProblemDetail notPermitted(AuthorizationException e) {
        return problem(HttpStatus.FORBIDDEN, "Not allowed", e.getMessage());
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
        if (e.runId() != null) {
            problem.setProperty("runId", e.runId());
            problem.setInstance(URI.create("/api/runs/" + e.runId()));
        }
        return problem;
    }

    @ExceptionHandler(HostContacts.HostUnavailableException.class)
    ProblemDetail hostUnavailable(RuntimeException e) {
        return problem(HttpStatus.CONFLICT, "Host unavailable", e.getMessage());
    }

    @ExceptionHandler({ConflictException.class, OptimisticLockingException.class})
    ProblemDetail conflict(RuntimeException e) {
        String detail = e instanceof ConflictException
                ? e.getMessage()
                : "someone else changed this at the same time; reload and try again";
        return problem(HttpStatus.CONFLICT, "Conflict", detail);
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("unexpected error in API call", e);
        return problem(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "Internal error",
                "the platform could not complete the request; see the platform log");
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(error -> error.getField() + ": " + error.getDefaultMessage())
                .sorted()
                .reduce((a, b) -> a + "; " + b)
                .orElse("invalid request body");
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "Bad request", detail));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = e.getParameterValidationResults().stream()
                .flatMap(result -> result.getResolvableErrors().stream()
                        .map(error ->
                                result.getMethodParameter().getParameterName() + ": " + error.getDefaultMessage()))
                .sorted()
                .collect(Collectors.joining("; "));
        return ResponseEntity.badRequest()
                .body(problem(HttpStatus.BAD_REQUEST, "Bad request", detail.isEmpty() ? "invalid request" : detail));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof dev.runbook.security.RequestBodyLimitFilter.BodyTooLargeException) {
                return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE)
                        .body(problem(HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large", cause.getMessage()));
            }
            if (cause instanceof UnrecognizedPropertyException unknown) {
                return bodyProblem(
                        "unknown field '" + unknown.getPropertyName() + "'; known: " + unknown.getKnownPropertyIds());
            }
            if (cause instanceof JsonMappingException mapping
                    && !mapping.getPath().isEmpty()) {
                return bodyProblem("field '"
                        + mapping.getPath().stream()
                                .map(reference -> reference.getFieldName() == null
                                        ? "[" + reference.getIndex() + "]"
                                        : reference.getFieldName())
                                .collect(Collectors.joining("."))
                        + "' has the wrong type or format");
            }
            if (cause instanceof JsonProcessingException) {
                return bodyProblem("request body is not valid JSON");
            }
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        return bodyProblem(
                message.startsWith("Required request body is missing")
                        ? "request body is missing"
                        : "request body could not be read as JSON");
    }

    private ResponseEntity<Object> bodyProblem(String detail) {
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "Bad request", detail));
    }

    private ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, redactor.redact(detail));
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

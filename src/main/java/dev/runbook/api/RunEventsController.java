package dev.runbook.api;

import dev.runbook.api.ProblemHandler.NotFoundException;
import dev.runbook.run.RunFollower;
import dev.runbook.run.RunQueries;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.PreDestroy;
import jakarta.validation.constraints.Pattern;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/runs/{runId}/events}: server-sent events of one run (steps, their command output line by line, state
 * changes, the end), looked up every {@value #POLL_MILLIS} ms by a {@link RunFollower}; the stream ends with the run.
 */
@RestController
@Validated
@Tag(name = "Runs")
class RunEventsController {

    private static final Logger log = LoggerFactory.getLogger(RunEventsController.class);
    static final long POLL_MILLIS = 500;
    /** A stream lasts at most this long (a run waiting a day for its approval is followed again by reconnecting). */
    private static final Duration MAX_STREAM = Duration.ofHours(1);

    private final RunQueries runs;
    private final ScheduledExecutorService pollers = Executors.newScheduledThreadPool(2, task -> {
        Thread thread = new Thread(task, "run-events");
        thread.setDaemon(true);
        return thread;
    });

    RunEventsController(RunQueries runs) {
        this.runs = runs;
    }

    @Operation(
            summary = "Follow a run: server-sent events 'step' {activityId, name, outcome, compensation}, 'log' "
                    + "{activityId, line} (command output, redacted), 'state' {state} and finally 'end' {state, "
                    + "outcome, failure}; the first events tell everything so far")
    @ApiResponse(responseCode = "404", description = "no such run")
    @GetMapping(value = "/api/runs/{runId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable @Pattern(regexp = "[A-Za-z0-9-]{1,64}") String runId) {
        runs.find(runId).orElseThrow(() -> new NotFoundException("no run with id " + runId));
        SseEmitter emitter = new SseEmitter(MAX_STREAM.toMillis());
        RunFollower follower = new RunFollower(runs, runId);
        AtomicReference<ScheduledFuture<?>> polling = new AtomicReference<>();
        Runnable stop = () -> {
            ScheduledFuture<?> future = polling.get();
            if (future != null) {
                future.cancel(false);
            }
        };
        emitter.onCompletion(stop);
        emitter.onTimeout(stop);
        emitter.onError(error -> stop.run());
        polling.set(pollers.scheduleWithFixedDelay(
                () -> send(emitter, follower, stop), 0, POLL_MILLIS, TimeUnit.MILLISECONDS));
        return emitter;
    }

    private static void send(SseEmitter emitter, RunFollower follower, Runnable stop) {
        try {
            for (RunFollower.Event event : follower.poll()) {
                emitter.send(SseEmitter.event().name(event.type()).data(event.data(), MediaType.APPLICATION_JSON));
            }
            if (follower.ended()) {
                stop.run();
                emitter.complete();
            }
        } catch (IOException | IllegalStateException gone) {
            stop.run(); // the client went away
        } catch (RuntimeException e) {
            log.warn("following a run failed: {}", e.toString());
            stop.run();
            emitter.completeWithError(e);
        }
    }

    @PreDestroy
    void shutdown() {
        pollers.shutdownNow();
    }
}

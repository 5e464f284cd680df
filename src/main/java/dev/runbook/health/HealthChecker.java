package dev.runbook.health;

import dev.runbook.config.RunbookProperties.Health;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * HTTP health checks of a component: GET its health URL up to {@code health.attempts} times,
 * {@code health.interval} apart (counted from the start of one attempt to the next), each call bounded by
 * {@code health.timeout}; any 2xx status is healthy. Between two attempts the app is asked again every
 * {@link #CONFIRM_INTERVAL}: one that is still booting passes as soon as it answers 2xx, one that answers, but not 2xx
 * (a release answering 503), fails the check once it has answered so for {@code health.unhealthy-grace}, without
 * waiting out the attempts; no answer at all (still booting) uses the attempts. A {@link Watch} looks at something
 * else (the app's PM2 state): fully after each attempt, with a cheap glance at each ask between them, and may end the
 * check before the attempts are used up.
 */
@Component
public class HealthChecker {

    /** How often the app is asked again between two attempts (and its {@code health.unhealthy-grace} looked at). */
    static final Duration CONFIRM_INTERVAL = Duration.ofMillis(250);

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** Checks until healthy or out of attempts, with no watch. */
    public int await(URI url, Health policy, StepLog log) {
        return await(url, policy, Watch.NONE, log);
    }

    /**
     * Checks until healthy or out of attempts; after each attempt {@code watch} checks the app.
     *
     * @return the healthy HTTP status code
     * @throws StepFailedException {@code HEALTH_CHECK_FAILED} naming the URL and the last status or error, and what
     *                             the watch adds; or the watch's own failure, at once
     */
    public int await(URI url, Health policy, Watch watch, StepLog log) {
        return poll(url, policy, watch, log).status();
    }

    /**
     * As {@link #await(URI, Health, Watch, StepLog)}, and says when the first 2xx came and when the first poll without
     * one began, so the caller can show how long the app went without answering (the platform's own poll, not a
     * user's).
     */
    public Answer poll(URI url, Health policy, Watch watch, StepLog log) {
        long started = System.nanoTime();
        Polls polls = new Polls(url, policy, watch);
        for (int attempt = 1; attempt <= policy.attempts(); attempt++) {
            if (attempt > 1) {
                sleep(Duration.ofNanos(started + policy.interval().toNanos() * (attempt - 1) - System.nanoTime()));
            }
            Instant polledAt = Instant.now();
            Probe probe = probe(url, policy.timeout());
            String attempted =
                    "GET " + url + " -> " + answer(probe) + " (attempt " + attempt + "/" + policy.attempts() + ")";
            log.line(attempted);
            watch.check("while " + attempted);
            if (polls.healthy(probe, polledAt)) {
                return polls.answer(probe);
            }
            if (attempt == policy.attempts()) {
                break;
            }
            // until the next attempt is due the app is asked again every CONFIRM_INTERVAL, and the watch glances at
            // it each time: an app that boots answers as soon as it listens, one that answers without 2xx for the
            // grace fails now, and one that crashes is seen when it does, not an interval later
            long nextAttempt = started + policy.interval().toNanos() * attempt;
            while (true) {
                Duration pause = polls.pause();
                if (System.nanoTime() + pause.toNanos() >= nextAttempt) {
                    break;
                }
                sleep(pause);
                polledAt = Instant.now();
                probe = probe(url, policy.timeout());
                String again = "GET " + url + " -> " + answer(probe) + " (asked again, "
                        + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms into the check)";
                if (probe.status() != null) {
                    // a refused connection again is no news: only answers are logged between attempts
                    log.line(again);
                }
                watch.glance("while " + again);
                if (polls.healthy(probe, polledAt)) {
                    return polls.answer(probe);
                }
            }
        }
        throw new StepFailedException(
                BpmnErrors.HEALTH_CHECK_FAILED,
                "health check of " + url + " failed after " + policy.attempts() + " attempts: " + polls.last
                        + watch.detail());
    }

    /** What one health check's polls have seen so far: the failed ones, and how long the app has answered without 2xx. */
    private static final class Polls {

        private final URI url;
        private final Health policy;
        private final Watch watch;
        private String last = "no attempt";
        private Instant firstFailedAt;
        private int failed;
        private Instant unhealthySince;
        private int unhealthyAnswers;

        Polls(URI url, Health policy, Watch watch) {
            this.url = url;
            this.policy = policy;
            this.watch = watch;
        }

        /**
         * Counts {@code probe}; true when it is 2xx. An app that has answered without 2xx for the unhealthy grace
         * fails the check here ({@code HEALTH_CHECK_FAILED}): it runs and says it is not healthy, and waiting out the
         * attempts would only make users see those answers longer.
         */
        boolean healthy(Probe probe, Instant polledAt) {
            if (probe.healthy()) {
                return true;
            }
            firstFailedAt = firstFailedAt == null ? polledAt : firstFailedAt;
            failed++;
            last = probe.status() != null ? "HTTP " + probe.status() : probe.error();
            if (probe.status() == null) {
                unhealthySince = null;
                unhealthyAnswers = 0;
                return false;
            }
            unhealthySince = unhealthySince == null ? polledAt : unhealthySince;
            unhealthyAnswers++;
            Duration unhealthyFor = Duration.between(unhealthySince, Instant.now());
            if (unhealthyFor.compareTo(policy.unhealthyGrace()) >= 0) {
                throw new StepFailedException(
                        BpmnErrors.HEALTH_CHECK_FAILED,
                        "health check of " + url + " failed: it answered " + last + " for "
                                + String.format(Locale.ROOT, "%.2f", unhealthyFor.toMillis() / 1000.0) + " s ("
                                + unhealthyAnswers + " answers in a row without 2xx, health.unhealthy-grace "
                                + policy.unhealthyGrace() + "): the app runs and says it is not healthy"
                                + watch.detail());
            }
            return false;
        }

        /** How long to wait before asking again: {@link #CONFIRM_INTERVAL}, or less when the grace ends sooner. */
        Duration pause() {
            if (unhealthySince == null) {
                return CONFIRM_INTERVAL;
            }
            return min(
                    CONFIRM_INTERVAL, policy.unhealthyGrace().minus(Duration.between(unhealthySince, Instant.now())));
        }

        Answer answer(Probe probe) {
            return new Answer(probe.status(), Instant.now(), firstFailedAt, failed);
        }
    }

    private static String answer(Probe probe) {
        return probe.status() != null ? String.valueOf(probe.status()) : probe.error();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * How a health check ended well.
     *
     * @param status        the 2xx status
     * @param answeredAt    when that answer arrived
     * @param firstFailedAt when the first poll without a 2xx began; null when the first poll answered 2xx
     * @param failedPolls   how many polls before it got no 2xx (no answer or another status)
     */
    public record Answer(int status, Instant answeredAt, Instant firstFailedAt, int failedPolls) {}

    /** What a health check looks at besides the URL, after each attempt. */
    public interface Watch {

        /** Looks nowhere. */
        Watch NONE = new Watch() {
            @Override
            public void check(String during) {}

            @Override
            public String detail() {
                return "";
            }
        };

        /**
         * Throws {@link StepFailedException} {@code HEALTH_CHECK_FAILED} to end the check now.
         *
         * @param during what the check was doing, for the message ({@code while GET ... (attempt 2/10)})
         */
        void check(String during);

        /**
         * A cheap look between attempts (every {@link #CONFIRM_INTERVAL} while the app does not answer 2xx): as
         * {@link #check}, but only doing the full look when something has changed since the last one.
         */
        default void glance(String during) {}

        /** Appended to the message when the attempts run out (a newline and more), or the empty string. */
        String detail();
    }

    /**
     * One answer of a health URL.
     *
     * @param status    the HTTP status code, null when no answer came
     * @param latencyMs time until the status line arrived (or the call failed), milliseconds
     * @param error     why no answer came (exception class and message), null when one did
     */
    public record Probe(Integer status, long latencyMs, String error) {
        public boolean healthy() {
            return status != null && status >= 200 && status < 300;
        }
    }

    /** One GET of {@code url} bounded by {@code timeout}; never throws for a failed call. */
    public Probe probe(URI url, Duration timeout) {
        long started = System.nanoTime();
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(url).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.discarding());
            return new Probe(response.statusCode(), millisSince(started), null);
        } catch (IOException e) {
            return new Probe(
                    null,
                    millisSince(started),
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during health check of " + url, e);
        }
    }

    private static long millisSince(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos).toMillis();
    }

    static void sleep(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during health check", e);
        }
    }
}

package dev.runbook.pm2;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The platform's own poll of the reloaded apps' health URLs while a reload step runs: one {@code GET} of each every
 * {@link #EVERY} from before {@code pm2 startOrReload} until the step ends, on a background thread, so the gap of a
 * fork-mode reload (PM2 stops the one process, then starts the new one) is seen as it happens, not only by the
 * health check that follows in another job. Records per app when the first poll got no 2xx and when the next 2xx came;
 * each poll is bounded by {@link #TIMEOUT}. Logs nothing itself (ten lines a second would bury the step log).
 */
final class ReloadPoll {

    /** Time between two polls of one URL. */
    static final Duration EVERY = Duration.ofMillis(100);
    /** One poll waits at most this long for an answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(1);

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final Map<String, URI> urls;
    private final Map<String, Instant> failedAt = new ConcurrentHashMap<>();
    private final Map<String, Instant> answeredAt = new ConcurrentHashMap<>();
    private final Map<String, Boolean> answeredFirst = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stopped;

    private ReloadPoll(Map<String, URI> urls) {
        this.urls = Map.copyOf(urls);
        this.thread = new Thread(this::run, "reload-poll");
        this.thread.setDaemon(true);
    }

    /** Starts polling {@code urls} (health URL by PM2 app name). */
    static ReloadPoll start(Map<String, URI> urls) {
        ReloadPoll poll = new ReloadPoll(urls);
        poll.thread.start();
        return poll;
    }

    /** Stops polling (waits for the poll under way) and returns what it saw, by app. */
    Map<String, Pm2Baseline.Poll> stop() {
        stopped = true;
        try {
            thread.join(TIMEOUT.plus(EVERY).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Pm2Baseline.Poll> seen = new LinkedHashMap<>();
        urls.keySet()
                .forEach(app -> seen.put(
                        app,
                        new Pm2Baseline.Poll(
                                failedAt.get(app), answeredAt.get(app), answeredFirst.getOrDefault(app, false))));
        return seen;
    }

    /** A step-log line on what the poll of {@code app}'s {@code url} saw. */
    static String describe(String app, URI url, Pm2Baseline.Poll poll) {
        String polled = "health poll of pm2 app '" + app + "' (GET " + url + " every " + EVERY.toMillis()
                + " ms during this step): ";
        if (poll.failedAt() == null) {
            return polled + "every poll answered 2xx";
        }
        return polled + "no 2xx from " + poll.failedAt().truncatedTo(ChronoUnit.MILLIS)
                + (poll.answeredAt() == null
                        ? " until the step ended"
                        : " to " + poll.answeredAt().truncatedTo(ChronoUnit.MILLIS) + " ("
                                + Duration.between(poll.failedAt(), poll.answeredAt())
                                        .toMillis() + " ms)");
    }

    private void run() {
        while (!stopped) {
            long started = System.nanoTime();
            urls.forEach((app, url) -> {
                Instant polledAt = Instant.now();
                boolean answers = answers(url);
                answeredFirst.putIfAbsent(app, answers);
                if (!answers) {
                    failedAt.putIfAbsent(app, polledAt);
                } else if (failedAt.containsKey(app)) {
                    answeredAt.putIfAbsent(app, Instant.now());
                }
            });
            long left = EVERY.toNanos() - (System.nanoTime() - started);
            if (left > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(left).toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private boolean answers(URI url) {
        try {
            int status = HTTP.send(
                            HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            return status >= 200 && status < 300;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
            return false;
        }
    }
}

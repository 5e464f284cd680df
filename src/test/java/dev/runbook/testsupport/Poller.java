package dev.runbook.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user of the target's apps: one thread per URL GETs it every {@code interval} (counted from the start of one poll
 * to the next; a slow answer delays the next poll, it is not skipped) and records each answer, or why none came, with
 * the instants it was sent and received. Start it before a run, {@link #close} it after; the polls say what users saw.
 */
public final class Poller implements AutoCloseable {

    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

    /**
     * One poll.
     *
     * @param name     the name the URL was given
     * @param sent     when the request went out
     * @param received when the answer (or the error) came
     * @param status   the HTTP status, 0 when no answer came
     * @param body     the answer's body, or the error when none came
     */
    public record Poll(String name, Instant sent, Instant received, int status, String body) {

        /** Answered with 200. */
        public boolean ok() {
            return status == 200;
        }

        /** The {@code "version"} field of a JSON body, or null. */
        public String version() {
            Matcher matcher = VERSION.matcher(body);
            return matcher.find() ? matcher.group(1) : null;
        }

        /** Answered with 200 by {@code version}. */
        public boolean servedBy(String version) {
            return ok() && version.equals(version());
        }

        @Override
        public String toString() {
            return name + " " + received + " " + (status == 0 ? "" : "HTTP " + status + " ") + body.strip();
        }
    }

    private final Map<String, List<Poll>> polls = new LinkedHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final Duration interval;
    private final Duration timeout;
    private final HttpClient http;

    private Poller(Duration interval, Duration timeout) {
        this.interval = interval;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /**
     * Starts polling each URL of {@code urls} (by name) every {@code interval}, each request bounded by
     * {@code timeout}; a request that runs out of time is recorded as failed.
     */
    public static Poller start(Map<String, URI> urls, Duration interval, Duration timeout) {
        Poller poller = new Poller(interval, timeout);
        urls.forEach((name, url) -> {
            List<Poll> recorded = Collections.synchronizedList(new ArrayList<>());
            poller.polls.put(name, recorded);
            Thread thread = new Thread(() -> poller.poll(name, url, recorded), "poller-" + name);
            thread.setDaemon(true);
            poller.threads.add(thread);
        });
        poller.threads.forEach(Thread::start);
        return poller;
    }

    private void poll(String name, URI url, List<Poll> recorded) {
        long next = System.nanoTime();
        while (running.get()) {
            Instant sent = Instant.now();
            try {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(url).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
                recorded.add(new Poll(name, sent, Instant.now(), response.statusCode(), response.body()));
            } catch (IOException e) {
                recorded.add(new Poll(name, sent, Instant.now(), 0, e.toString()));
            } catch (InterruptedException e) {
                return;
            }
            next += interval.toNanos();
            long pause = next - System.nanoTime();
            if (pause < 0) {
                next = System.nanoTime();
            } else {
                try {
                    Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The polls of URL {@code name} so far, in order. */
    public List<Poll> polls(String name) {
        List<Poll> recorded = polls.get(name);
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** Stops polling and waits (a few seconds at most) for the requests under way. */
    @Override
    public void close() {
        running.set(false);
        for (Thread thread : threads) {
            try {
                thread.join(timeout.toMillis() + 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

package dev.runbook.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP receiver for webhook tests (JDK's com.sun.net.httpserver on 127.0.0.1): records every POST (path,
 * Authorization header, JSON body, time) and answers 200, or 500 for the first {@code failures} requests of a path.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request the receiver got. */
    public record Received(String path, String authorization, Map<String, Object> body, Instant at) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> failuresLeft = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long delayMillis;

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] bytes = exchange.getRequestBody().readAllBytes();
                String path = exchange.getRequestURI().getRawPath();
                @SuppressWarnings("unchecked")
                Map<String, Object> body =
                        new ObjectMapper().readValue(new String(bytes, StandardCharsets.UTF_8), Map.class);
                received.add(new Received(
                        path, exchange.getRequestHeaders().getFirst("Authorization"), body, Instant.now()));
                if (delayMillis > 0) {
                    sleep(delayMillis);
                }
                AtomicInteger left = failuresLeft.get(path);
                int status = left != null && left.getAndDecrement() > 0 ? 500 : 200;
                exchange.sendResponseHeaders(status, -1);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
    }

    /** The base URL ({@code http://127.0.0.1:<port>}). */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The first {@code count} requests to {@code path} are answered 500. */
    public WebhookReceiver failFirst(String path, int count) {
        failuresLeft.put(path, new AtomicInteger(count));
        return this;
    }

    /** Every answer waits this long. */
    public WebhookReceiver delay(long millis) {
        this.delayMillis = millis;
        return this;
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Requests whose JSON field {@code field} equals {@code value}. */
    public List<Received> where(String field, Object value) {
        return received().stream()
                .filter(r -> value.equals(r.body().get(field)))
                .toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

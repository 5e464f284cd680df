package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/** The platform's {@code /api} over HTTP Basic, for the command line. */
class PlatformClient {

    /** A call the platform answered with an error, or could not be made: the CLI exits with {@code exitCode}. */
    static class CallFailed extends RuntimeException {
        final int exitCode;

        CallFailed(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    private final Credentials credentials;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper json = new ObjectMapper();

    PlatformClient(Credentials credentials) {
        this.credentials = credentials;
    }

    JsonNode get(String path) {
        return call(request(path).GET().build());
    }

    JsonNode post(String path, Map<String, Object> body) {
        try {
            return call(request(path)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .build());
        } catch (IOException e) {
            throw new CallFailed(RunbookCli.EXIT_PLATFORM, "cannot write the request: " + e.getMessage());
        }
    }

    /**
     * Follows {@code /api/runs/{runId}/events}: calls {@code onEvent} with each event's name and data until the stream
     * ends; returns whether its last event was {@code end}.
     */
    boolean follow(String runId, BiConsumer<String, JsonNode> onEvent) {
        HttpRequest request = request("/api/runs/" + encode(runId) + "/events")
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        HttpResponse<Stream<String>> response = send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            throw failed(
                    response.statusCode(), String.join("\n", response.body().toList()));
        }
        String name = "message";
        boolean ended = false;
        try (Stream<String> lines = response.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("event:")) {
                    name = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    JsonNode data = json.readTree(line.substring("data:".length()));
                    onEvent.accept(name, data);
                    ended = "end".equals(name);
                }
            }
        } catch (IOException e) {
            return ended;
        }
        return ended;
    }

    static String encode(String part) {
        return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        String basic = Base64.getEncoder()
                .encodeToString((credentials.user() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(credentials.url() + path))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Basic " + basic)
                .header("Accept", "application/json");
    }

    private JsonNode call(HttpRequest request) {
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) {
            throw failed(response.statusCode(), response.body());
        }
        try {
            return response.body().isBlank() ? json.nullNode() : json.readTree(response.body());
        } catch (IOException e) {
            throw new CallFailed(RunbookCli.EXIT_PLATFORM, "the platform answered something that is not JSON");
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallFailed(RunbookCli.EXIT_PLATFORM, "interrupted");
        }
    }

    private CallFailed unreachable(IOException e) {
        return new CallFailed(
                RunbookCli.EXIT_PLATFORM,
                "cannot reach the platform at " + credentials.url() + " ("
                        + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                        + "); is it running? (RUNBOOK_URL)");
    }

    /** The problem+json body's detail (or message), else the status. */
    private CallFailed failed(int status, String body) {
        String detail = null;
        try {
            JsonNode problem = json.readTree(body);
            detail = problem.hasNonNull("detail")
                    ? problem.get("detail").asText()
                    : problem.hasNonNull("message") ? problem.get("message").asText() : null;
        } catch (IOException | RuntimeException notJson) {
            // no problem body
        }
        if (status == 401) {
            return new CallFailed(
                    RunbookCli.EXIT_SIGN_IN,
                    "sign-in failed for user '" + credentials.user() + "' at " + credentials.url()
                            + ": check RUNBOOK_USER and RUNBOOK_PASSWORD (or the credentials file)");
        }
        int exit = status == 403
                ? RunbookCli.EXIT_SIGN_IN
                : status >= 500 ? RunbookCli.EXIT_PLATFORM : RunbookCli.EXIT_REFUSED;
        return new CallFailed(exit, "HTTP " + status + (detail == null ? "" : ": " + detail));
    }
}

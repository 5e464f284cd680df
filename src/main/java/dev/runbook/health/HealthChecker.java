package dev.runbook.health;

import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.target.RunbookProperties.Health;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * HTTP health checks of a component: GET its health URL up to {@code health.attempts} times,
 * {@code health.interval} apart, each call bounded by {@code health.timeout}; any 2xx status is healthy.
 */
@Component
public class HealthChecker {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * Checks until healthy or out of attempts.
     *
     * @return the healthy HTTP status code
     * @throws StepFailedException {@code HEALTH_CHECK_FAILED} naming the URL and the last status or error
     */
    public int await(URI url, Health policy, StepLog log) {
        String last = "no attempt";
        for (int attempt = 1; attempt <= policy.attempts(); attempt++) {
            if (attempt > 1) {
                sleep(policy.interval());
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(policy.timeout()).GET()
                        .build(), HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                log.line("GET " + url + " -> " + status + " (attempt " + attempt + "/" + policy.attempts() + ")");
                if (status >= 200 && status < 300) {
                    return status;
                }
                last = "HTTP " + status;
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                log.line("GET " + url + " -> " + last + " (attempt " + attempt + "/" + policy.attempts() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during health check of " + url, e);
            }
        }
        throw new StepFailedException(BpmnErrors.HEALTH_CHECK_FAILED, "health check of " + url + " failed after "
                + policy.attempts() + " attempts: " + last);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during health check", e);
        }
    }
}

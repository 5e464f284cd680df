package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import dev.runbook.config.RunbookProperties.Health;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health checks against a tiny local HTTP server whose answers each test scripts. */
class HealthCheckerTest {

    private static final Health QUICK =
            new Health(3, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(1));

    @TempDir
    Path dir;

    private final HealthChecker checker = new HealthChecker();
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private HttpServer server;
    private StepLog log;

    @BeforeEach
    void setUp() {
        log = StepLog.of(dir, "run1", "Task_HealthCheck");
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
        handlers.shutdownNow();
    }

    @Test
    void shouldReturnStatusWhenServerAnswers200() {
        URI url = serve(attempt -> 200);

        assertThat(checker.await(url, QUICK, log)).isEqualTo(200);
        assertThat(requests).hasValue(1);
    }

    @Test
    void shouldBeHealthyOnThirdAttemptWhenServerIsUnavailableTwice() throws IOException {
        URI url = serve(attempt -> attempt <= 2 ? 503 : 200);

        assertThat(checker.await(
                        url,
                        new Health(
                                5, Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(1)),
                        log))
                .isEqualTo(200);

        assertThat(requests).hasValue(3);
        assertThat(Files.readString(log.file())).contains("-> 503 (attempt 2/5)", "-> 200 (attempt 3/5)");
    }

    @Test
    void shouldPassAnAppThatStartsListeningBetweenTwoAttemptsWithoutWaitingForTheNext() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/api/health");
        // the app is still booting at the first attempt and listens 600 ms later; the next attempt is 10 s away
        handlers.submit(() -> {
            Thread.sleep(600);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.createContext("/api/health", exchange -> {
                requests.incrementAndGet();
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return null;
        });
        Health policy =
                new Health(3, Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1));

        HealthChecker.Answer answer = checker.poll(url, policy, HealthChecker.Watch.NONE, log);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.failedPolls()).as("refused polls before it listened").isPositive();
        assertThat(Files.readString(log.file()))
                .contains("ConnectException (attempt 1/3)", "-> 200 (asked again")
                .doesNotContain("(attempt 2/3)");
    }

    @Test
    void shouldFailNamingUrlAndStatusWhenServerAlwaysAnswers500() {
        URI url = serve(attempt -> 500);

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(url, QUICK, log), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage()).contains(url.toString(), "HTTP 500", "3 attempts");
        assertThat(requests).hasValue(3);
    }

    @Test
    void shouldFailWithinTheGraceWhenTheAppKeepsAnswering503InsteadOfWaitingOutTheAttempts() throws IOException {
        URI url = serve(attempt -> 503);
        // ten attempts two seconds apart: waiting them out would take 18 s and log attempt 2/10 onwards
        Health policy =
                new Health(10, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(600));

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(url, policy, log), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage())
                .contains(url.toString(), "answered HTTP 503 for", "health.unhealthy-grace PT0.6S", "not healthy");
        assertThat(requests.get()).as("asked again within the grace").isBetween(3, 5);
        assertThat(Files.readString(log.file()))
                .contains("-> 503 (attempt 1/10)", "(asked again, ")
                .doesNotContain("(attempt 2/10)");
    }

    @Test
    void shouldBeHealthyWhenA503TurnsInto200WithinTheGrace() throws IOException {
        URI url = serve(attempt -> attempt <= 2 ? 503 : 200);
        Health policy =
                new Health(10, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(5));

        HealthChecker.Answer answer = checker.poll(url, policy, HealthChecker.Watch.NONE, log);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.failedPolls()).isEqualTo(2);
        assertThat(Files.readString(log.file())).doesNotContain("(attempt 2/10)");
    }

    @Test
    void shouldFailAtTheFirstNon2xxAnswerWithNoGrace() {
        URI url = serve(attempt -> 500);
        Health policy = new Health(10, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO);

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(url, policy, log), StepFailedException.class);

        assertThat(failure.getMessage()).contains("answered HTTP 500", "1 answers in a row");
        assertThat(requests).hasValue(1);
    }

    @Test
    void shouldFailWhenServerAnswersRedirect() {
        URI url = serve(attempt -> 302);

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(url, QUICK, log), StepFailedException.class);

        assertThat(failure.getMessage()).contains("HTTP 302");
    }

    @Test
    void shouldFailWithinBoundedTimeWhenServerNeverAnswers() {
        URI url = serve(attempt -> {
            awaitRelease();
            return 200;
        });
        Health policy =
                new Health(2, Duration.ofMillis(50), Duration.ofMillis(300), Duration.ZERO, Duration.ofSeconds(1));

        StepFailedException failure = assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () -> catchThrowableOfType(() -> checker.await(url, policy, log), StepFailedException.class));

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage()).contains(url.toString(), "timed out");
    }

    @Test
    void shouldFailWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/api/health");

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(url, QUICK, log), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage()).contains(url.toString(), "ConnectException");
    }

    /** Starts a server on a free port answering {@code /api/health} with {@code status(attempt)}, attempt from 1. */
    private URI serve(IntUnaryOperator status) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(handlers);
        server.createContext("/api/health", exchange -> {
            int code = status.applyAsInt(requests.incrementAndGet());
            exchange.sendResponseHeaders(code, -1);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/health");
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

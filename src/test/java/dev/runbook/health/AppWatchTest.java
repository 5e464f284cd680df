package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Health;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Baseline;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.FixtureTarget;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health check with its PM2 watch against real PM2 apps and real HTTP: a release that crashes at boot ends the
 * check after a few attempts, not all of them, with the reason it wrote to stderr; one that boots slowly, answers and
 * then crashes is caught by the stability window counted from its first answer; a good one passes.
 */
class AppWatchTest {

    private static final String PM2 = System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2");
    /** Ten attempts half a second apart: waiting them out would take five seconds. */
    private static final Health POLICY =
            new Health(10, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(1));

    @TempDir
    Path dir;

    private final Pm2Client pm2 = new Pm2Client(
            FixtureTarget.runner(),
            new ObjectMapper(),
            new RunbookProperties(
                    Path.of("."), new Tools("git", "npm", PM2, null, null, null, null, null), null, Map.of()));
    private final HealthChecker checker = new HealthChecker();
    private final String app = "watch-test-" + UUID.randomUUID().toString().substring(0, 8);
    private int port;
    private StepLog log;

    @BeforeEach
    void setUp() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        log = StepLog.of(dir, "run1", "Task_HealthCheck");
    }

    @AfterEach
    void deleteApp() {
        pm2.delete(app, dir, StepLog.NONE);
    }

    @Test
    void shouldEndAtOnceWithTheReasonFromTheErrorLogWhenTheAppCrashesAtBoot() throws IOException {
        AppWatch watch = start("""
                console.error('CATS_API_KEY is not set: refusing to start');
                process.exit(1);
                """);

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(healthUrl(), POLICY, watch, log), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage())
                .contains("pm2 app '" + app + "'", "it is crashing", "CATS_API_KEY is not set: refusing to start");
        assertThat(attempts()).as("health attempts made of 10").isBetween(1, 3);
    }

    @Test
    void shouldSeeACrashBetweenTwoAttemptsWhenTheProcessExitsNotAtTheNextAttempt() throws IOException {
        // boots for a second without listening, then exits: the first attempt finds it booting, the next attempt is
        // 10 s away, and the glance between them sees its process gone
        AppWatch watch = start("""
                setTimeout(() => { console.error('config: DATABASE_URL is missing'); process.exit(1); }, 1000);
                """);
        Health slow = new Health(
                10, Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(1));

        StepFailedException failure =
                catchThrowableOfType(() -> checker.await(healthUrl(), slow, watch, log), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage()).contains("it is crashing", "asked again", "config: DATABASE_URL is missing");
        assertThat(attempts()).as("health attempts made of 10").isEqualTo(1);
    }

    @Test
    void shouldCatchAnAppThatCrashesAfterItFirstAnsweredWithinTheWindowCountedFromThatAnswer() throws IOException {
        // boots for 2 s (no answer), answers, and dies 3 s later: a window of 4 s counted from the reload would end
        // before the crash (3 s, not less: on a loaded machine one pm2 jlist after the first answer took over 1.5 s)
        AppWatch watch = start("""
                const http = require('http');
                setTimeout(() => {
                  http.createServer((req, res) => { res.writeHead(200); res.end('ok'); })
                    .listen(Number(process.env.PORT), '127.0.0.1');
                  setTimeout(() => { console.error('lost the database connection: exiting'); process.exit(1); }, 3000);
                }, 2000);
                """);

        assertThat(checker.await(healthUrl(), POLICY, watch, log)).isEqualTo(200);
        Instant answeredAt = Instant.now();
        StepFailedException failure = catchThrowableOfType(
                () -> watch.stayUp(answeredAt, POLICY.stabilityWindow()), StepFailedException.class);

        assertThat(attempts()).as("it did not answer at first").isGreaterThan(1);
        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage())
                .contains("within the stability window", "lost the database connection: exiting");
    }

    @Test
    void shouldPassAnAppThatAnswersAndStaysUp() throws IOException {
        AppWatch watch = start("""
                require('http').createServer((req, res) => { res.writeHead(200); res.end('ok'); })
                  .listen(Number(process.env.PORT), '127.0.0.1');
                """);

        assertThat(checker.await(healthUrl(), POLICY, watch, log)).isEqualTo(200);
        watch.stayUp(Instant.now(), Duration.ofSeconds(1));

        assertThat(Files.readString(log.file())).contains("pm2 app '" + app + "' stayed up 1000 ms");
    }

    /** Starts the app under PM2 as a reload step would, and the watch with the baseline that step would record. */
    private AppWatch start(String main) throws IOException {
        Files.writeString(dir.resolve("main.js"), main);
        Path ecosystem = Files.writeString(
                dir.resolve("ecosystem.config.js"),
                "module.exports = { apps: [{ name: '" + app + "', script: 'main.js', cwd: __dirname, time: true,"
                        + " env: { PORT: '" + port + "' } }] };\n");
        Instant startedAt = Instant.now();
        FixtureTarget.runner()
                .runChecked(
                        new Command(
                                List.of(PM2, "start", ecosystem.toString(), "--only", app),
                                dir,
                                Map.of(),
                                Duration.ofMinutes(1)),
                        StepLog.NONE);
        return new AppWatch(pm2, List.of(app), dir, Optional.of(new Pm2Baseline(startedAt, Map.of(app, 0))), log);
    }

    private URI healthUrl() {
        return URI.create("http://127.0.0.1:" + port + "/api/health");
    }

    private int attempts() throws IOException {
        Matcher attempt = Pattern.compile("\\(attempt \\d+/10\\)").matcher(Files.readString(log.file()));
        int count = 0;
        while (attempt.find()) {
            count++;
        }
        return count;
    }
}

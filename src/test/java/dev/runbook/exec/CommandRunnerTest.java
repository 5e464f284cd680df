package dev.runbook.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Approval;
import dev.runbook.config.RunbookProperties.Backups;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Health;
import dev.runbook.config.RunbookProperties.Target;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command runner on real programs ({@code sh}, {@code seq}, {@code sleep}) with a real step log file. */
class CommandRunnerTest {

    private static final String DB_URI = "mongodb://u:S3cr%40t@h/db";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private CommandRunner runner;
    private StepLog stepLog;

    @BeforeEach
    void setUp() {
        runner = new CommandRunner(new Redactor(propertiesWithDatabase(dir, DB_URI), List.of()));
        stepLog = StepLog.of(dir, "run1", "Task_X");
    }

    @Test
    void shouldReturnExitCodeWhenCommandFails() {
        CommandResult result = runner.run(sh("echo partial; exit 7"), stepLog);

        assertThat(result.exitCode()).isEqualTo(7);
        assertThat(result.succeeded()).isFalse();
        assertThat(result.output()).isEqualTo("partial\n");
    }

    @Test
    void shouldThrowNamingCommandDirectoryAndExitCodeWhenCheckedCommandFails() {
        CommandFailedException failure = catchThrowableOfType(
                () -> runner.runChecked(sh("echo boom >&2; exit 3"), stepLog), CommandFailedException.class);

        assertThat(failure.getMessage())
                .contains("sh -c echo boom >&2; exit 3")
                .contains(dir.toString())
                .contains("exited with code 3")
                .contains("boom");
        assertThat(failure.timedOut()).isFalse();
        assertThat(failure.result().exitCode()).isEqualTo(3);
    }

    @Test
    void shouldKillCommandAndItsChildrenWhenTimeoutPasses() throws IOException {
        Path pidFile = dir.resolve("child.pid");
        Command command = new Command(
                List.of("sh", "-c", "sleep 30 & echo $! > child.pid; wait"), dir, Map.of(), Duration.ofMillis(700));

        CommandFailedException failure =
                catchThrowableOfType(() -> runner.run(command, stepLog), CommandFailedException.class);

        assertThat(failure.timedOut()).isTrue();
        assertThat(failure.getMessage()).contains("timed out").contains(dir.toString());
        long childPid = Long.parseLong(Files.readString(pidFile).strip());
        Awaitility.await()
                .atMost(Duration.ofSeconds(3))
                .until(
                        () -> ProcessHandle.of(childPid)
                                .map(ProcessHandle::isAlive)
                                .orElse(false),
                        alive -> !alive);
    }

    @Test
    void shouldKeepOnlyHeadAndTailWhenOutputIsLong() {
        CommandResult result =
                runner.run(new Command(List.of("seq", "1", "200000"), dir, Map.of(), TIMEOUT), StepLog.NONE);

        List<String> lines = result.output().lines().toList();
        assertThat(lines).hasSize(CommandRunner.HEAD_LINES + 1 + CommandRunner.TAIL_LINES);
        assertThat(lines.get(0)).isEqualTo("1");
        assertThat(lines.get(CommandRunner.HEAD_LINES - 1)).isEqualTo("200");
        assertThat(lines.get(CommandRunner.HEAD_LINES)).contains("199400 lines omitted");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("200000");
        assertThat(lines).doesNotContain("100000");
        assertThat(result.output().length()).isLessThan(10_000);
    }

    @Test
    void shouldMaskSecretsInStepLogAndResultWhenCommandPrintsThem() throws IOException {
        Command command = sh("echo raw=S3cr@t encoded=S3cr%40t; echo postgres://bob:hunter22@db:5432/app");

        CommandResult result = runner.run(command, stepLog);

        String log = Files.readString(stepLog.file());
        for (String text : List.of(result.output(), result.command(), log)) {
            assertThat(text).doesNotContain("S3cr@t", "S3cr%40t", "hunter22");
        }
        assertThat(result.output()).isEqualTo("raw=**** encoded=****\npostgres://bob:****@db:5432/app\n");
        assertThat(log).contains("$ sh -c echo raw=**** encoded=****;");
    }

    @Test
    void shouldMaskSecretsInFailureMessageWhenCheckedCommandFails() {
        assertThatThrownBy(() -> runner.runChecked(sh("echo S3cr@t; exit 1"), stepLog))
                .isInstanceOf(CommandFailedException.class)
                .hasMessageNotContaining("S3cr@t")
                .hasMessageContaining("****");
    }

    @Test
    void shouldRemoveVariableWhenEnvValueIsNull() {
        assumeThat(System.getenv("HOME")).as("HOME inherited from the platform").isNotNull();
        Map<String, String> removals = new HashMap<>();
        removals.put("NODE_ENV", null);
        removals.put("HOME", null);
        Command command = sh("echo NODE_ENV=${NODE_ENV-unset} HOME=${HOME-unset} GREETING=$GREETING")
                .withEnv(Map.of("NODE_ENV", "production", "GREETING", "hi"))
                .withEnv(removals);

        CommandResult result = runner.run(command, stepLog);

        assertThat(result.output()).isEqualTo("NODE_ENV=unset HOME=unset GREETING=hi\n");
    }

    @Test
    void shouldThrowToolMissingWhenProgramDoesNotExist() throws IOException {
        Command command = new Command(List.of("no-such-tool-4711", "--version"), dir, Map.of(), TIMEOUT);

        assertThatThrownBy(() -> runner.run(command, stepLog))
                .isInstanceOf(ToolMissingException.class)
                .hasMessageContaining("no-such-tool-4711");
        assertThat(Files.readString(stepLog.file())).contains("cannot start 'no-such-tool-4711'");
    }

    @Test
    void shouldWriteCommandLineOutputAndExitCodeToStepLog() throws IOException {
        runner.run(sh("echo hello from the step"), stepLog);

        assertThat(stepLog.file()).isEqualTo(dir.resolve("runs/run1/Task_X.log"));
        String log = Files.readString(stepLog.file());
        assertThat(log)
                .contains("$ sh -c echo hello from the step   (in " + dir + ")")
                .contains("\nhello from the step\n")
                .contains("exit 0 after");
    }

    @Test
    void shouldKeepOutputOutOfStepLogWhenOutputLogIsOff() throws IOException {
        Command command = sh("echo \"$APP_ENV_JSON\"")
                .withEnv(Map.of("APP_ENV_JSON", "{\"GREETING\":\"hi\"}"))
                .withoutOutputLog();

        CommandResult result = runner.run(command, stepLog);

        assertThat(result.output()).isEqualTo("{\"GREETING\":\"hi\"}\n");
        String log = Files.readString(stepLog.file());
        assertThat(log)
                .contains("$ sh -c echo \"$APP_ENV_JSON\"", "(output not logged) exit 0")
                .doesNotContain("GREETING");
    }

    private Command sh(String script) {
        return new Command(List.of("sh", "-c", script), dir, Map.of(), TIMEOUT);
    }

    /** Properties with one target whose database URI holds a password, so the redactor knows it as a secret. */
    private static RunbookProperties propertiesWithDatabase(Path workdir, String databaseUri) {
        ComponentSpec backend = new ComponentSpec(
                ".",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "shop-backend",
                "ecosystem.config.js",
                URI.create("http://127.0.0.1:3000/health"),
                null,
                null);
        Target shop = new Target(
                workdir,
                "origin",
                "main",
                new Approval(true, Duration.ofHours(1), Approval.DEFAULT_GROUP),
                Map.of(),
                Map.of("backend", backend),
                new Database("mongodb", databaseUri),
                new Backups(10, null, null),
                new Health(
                        3, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                null,
                workdir,
                null,
                null,
                null,
                null);
        return new RunbookProperties(workdir, null, null, Map.of("shop", shop));
    }
}

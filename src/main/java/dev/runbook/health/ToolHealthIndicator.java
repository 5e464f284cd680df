package dev.runbook.health;

import dev.runbook.exec.Command;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.CommandResult;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.exec.ToolMissingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * One external tool: runs {@code <tool> --version} on every call (the platform wraps it in a
 * {@link CachedHealthIndicator}) and reports UP with the last line of its output, or, when it cannot be started or
 * fails, DEGRADED if the platform needs it (git, npm, pm2; the database tools when a target has a database of their
 * kind) and UNKNOWN if not.
 */
class ToolHealthIndicator implements HealthIndicator {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String command;
    private final boolean needed;
    private final CommandRunner runner;

    ToolHealthIndicator(String command, boolean needed, CommandRunner runner) {
        this.command = command;
        this.needed = needed;
        this.runner = runner;
    }

    @Override
    public Health health() {
        try {
            CommandResult result = runner.run(
                    new Command(
                            List.of(command, "--version"),
                            Path.of(System.getProperty("java.io.tmpdir")),
                            java.util.Map.of(),
                            TIMEOUT),
                    StepLog.NONE);
            // the last line: pm2 prints its welcome banner and daemon messages first in a new PM2_HOME
            String version = result.output()
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .reduce((first, second) -> second)
                    .orElse("");
            if (result.succeeded()) {
                return Health.up()
                        .withDetail("command", command)
                        .withDetail("found", true)
                        .withDetail("version", version)
                        .build();
            }
            return missing("'" + command + " --version' exited with code " + result.exitCode());
        } catch (ToolMissingException | CommandFailedException e) {
            return missing(e.getMessage());
        }
    }

    private Health missing(String why) {
        return (needed ? Health.status(PlatformHealthConfiguration.DEGRADED) : Health.unknown())
                .withDetail("command", command)
                .withDetail("found", false)
                .withDetail("needed", needed)
                .withDetail("error", why)
                .build();
    }
}

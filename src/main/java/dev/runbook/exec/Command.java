package dev.runbook.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One external command: argument list (never a shell string), working directory, environment changes and timeout.
 *
 * @param argv     program and arguments; {@code argv[0]} is a name on PATH or an absolute path
 * @param dir      working directory
 * @param env      variables added to (value non-null) or removed from (value null) the platform's own environment
 * @param timeout  how long the command may run before it and all its child processes are killed
 * @param logOutput whether the output goes to the step log (false for machine-readable output that may hold
 *                  environment values, such as {@code pm2 jlist}); the result always has it
 */
public record Command(List<String> argv, Path dir, Map<String, String> env, Duration timeout, boolean logOutput) {

    public Command(List<String> argv, Path dir, Map<String, String> env, Duration timeout) {
        this(argv, dir, env, timeout, true);
    }

    public Command {
        argv = List.copyOf(argv);
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(timeout, "timeout");
        env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
    }

    public static Command of(Path dir, Duration timeout, List<String> argv) {
        return new Command(argv, dir, Map.of(), timeout);
    }

    /** A copy with these environment changes applied on top (null value: remove the variable). */
    public Command withEnv(Map<String, String> changes) {
        Map<String, String> merged = new LinkedHashMap<>(env);
        merged.putAll(changes);
        return new Command(argv, dir, merged, timeout, logOutput);
    }

    /** A copy whose output is kept out of the step log. */
    public Command withoutOutputLog() {
        return new Command(argv, dir, env, timeout, false);
    }

    /** The command line as text, for logs and messages (arguments joined by spaces, not quoted for a shell). */
    public String display() {
        return String.join(" ", argv);
    }
}

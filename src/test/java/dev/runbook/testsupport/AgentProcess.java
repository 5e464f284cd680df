package dev.runbook.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A host's agent as its own process: {@code java -cp <test class path> RunbookApplication
 * --spring.profiles.active=agent ...} with the given properties (the platform's address, the host, the targets it
 * serves) as command-line arguments, the user and password in its environment, its output in {@code log}. A command
 * prefix (e.g. {@code ip netns exec web-1}) runs it elsewhere. {@link #kill()} sends SIGKILL.
 */
public final class AgentProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private AgentProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts an agent and waits (at most 2 minutes) until its log says it fetches. */
    public static AgentProcess start(
            List<String> prefix, Map<String, String> properties, String user, String password, Path log) {
        return start(prefix, properties, Map.of(), user, password, log);
    }

    /** ... with more environment variables (e.g. the host's own {@code PM2_HOME}). */
    public static AgentProcess start(
            List<String> prefix,
            Map<String, String> properties,
            Map<String, String> environment,
            String user,
            String password,
            Path log) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m",
                "-cp",
                PlatformNode.classPath(),
                "dev.runbook.RunbookApplication",
                "--spring.profiles.active=agent"));
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(log.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        builder.environment().put("RUNBOOK_AGENT_USER", user);
        builder.environment().put("RUNBOOK_AGENT_PASSWORD", password);
        try {
            AgentProcess agent = new AgentProcess(builder.start(), log);
            agent.awaitLog("fetches its steps from", Duration.ofMinutes(2));
            return agent;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the agent's log contains {@code text}. */
    public void awaitLog(String text, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (log().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("agent exited with " + process.exitValue() + ":\n" + log());
            }
            PlatformNode.sleep(200);
        }
        throw new IllegalStateException("agent log has no '" + text + "' after " + timeout + ":\n" + log());
    }

    /** What the agent wrote so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGKILL, as in a crash of the host. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}

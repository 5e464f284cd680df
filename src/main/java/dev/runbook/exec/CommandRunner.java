package dev.runbook.exec;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.StartedProcess;
import org.zeroturnaround.exec.stream.LogOutputStream;

/**
 * Runs every external command of the platform (zt-exec underneath): argument lists, never a shell; working
 * directory and environment changes from the {@link Command}; a timeout that kills the command and all its
 * descendants; stdout and stderr merged, redacted line by line, appended to the step log and kept in memory only as
 * a capped head and tail.
 */
@Component
public class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
    static final int HEAD_LINES = 200;
    static final int TAIL_LINES = 400;
    static final long MAX_LOG_BYTES = 16L * 1024 * 1024;

    private final Redactor redactor;

    public CommandRunner(Redactor redactor) {
        this.redactor = redactor;
    }

    /**
     * Runs the command and returns its result whatever the exit code.
     *
     * @throws CommandFailedException when it runs past its timeout (it and its children are killed first)
     * @throws ToolMissingException   when the program cannot be started
     */
    public CommandResult run(Command command, StepLog stepLog) {
        return execute(command, stepLog, null, null);
    }

    /**
     * Runs the command like {@link #run(Command, StepLog)} and also hands every output line (redacted) to
     * {@code observer} as it comes, for tools whose progress lines carry results (e.g. mongodump's per-collection
     * document counts), however long the output is.
     */
    public CommandResult runObserved(Command command, StepLog stepLog, Consumer<String> observer) {
        return execute(command, stepLog, observer, null);
    }

    /**
     * Runs the command with every line of its standard output handed, raw, to {@code stdout} only: neither logged
     * nor kept in the result. Standard error is logged and kept as usual. For large or private machine output, such
     * as the table rows {@code pg_restore --data-only} writes.
     */
    public CommandResult runWithStdoutTo(Command command, StepLog stepLog, Consumer<String> stdout) {
        return execute(command, stepLog, null, stdout);
    }

    private CommandResult execute(
            Command command, StepLog stepLog, Consumer<String> observer, Consumer<String> stdout) {
        String display = redactor.redact(command.display());
        stepLog.line("$ " + display + "   (in " + command.dir() + ")");
        CappedOutput output = new CappedOutput(command.logOutput() ? stepLog : StepLog.NONE, observer);
        ProcessExecutor executor = new ProcessExecutor()
                .command(command.argv())
                .directory(command.dir().toFile())
                .exitValueAny();
        LogOutputStream sink = stdout == null
                ? null
                : new LogOutputStream() {
                    @Override
                    protected void processLine(String line) {
                        stdout.accept(line);
                    }
                };
        if (sink == null) {
            executor.redirectErrorStream(true).redirectOutput(output);
        } else {
            executor.redirectOutput(sink).redirectError(output);
        }
        command.env().forEach(executor::environment);
        long started = System.nanoTime();
        StartedProcess process;
        try {
            process = executor.start();
        } catch (IOException e) {
            String message = "cannot start '" + command.argv().get(0) + "' in " + command.dir() + ": " + e.getMessage();
            stepLog.line("! " + message);
            throw new ToolMissingException(redactor.redact(message), e);
        }
        try {
            int exit = process.getFuture()
                    .get(command.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .getExitValue();
            output.flushQuietly();
            if (sink != null) {
                sink.flush();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            stepLog.line((command.logOutput() ? "" : "(output not logged) ") + "exit " + exit + " after "
                    + took.toMillis() + " ms");
            return new CommandResult(display, exit, output.text(), took);
        } catch (TimeoutException e) {
            killTree(process.getProcess());
            output.flushQuietly();
            String message = "'" + display + "' in " + command.dir() + " timed out after " + command.timeout()
                    + " and was killed with its child processes";
            stepLog.line("! " + message);
            throw new CommandFailedException(message, null, true);
        } catch (InterruptedException e) {
            killTree(process.getProcess());
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running '" + display + "'", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("'" + display + "' failed to run: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Runs the command and checks its exit code.
     *
     * @throws CommandFailedException on a non-zero exit (message: command, directory, exit code, output tail)
     */
    public CommandResult runChecked(Command command, StepLog stepLog) {
        return checked(command, run(command, stepLog));
    }

    /**
     * The result of {@code command} when it exited 0.
     *
     * @throws CommandFailedException otherwise (message: command, directory, exit code, output tail)
     */
    public static CommandResult checked(Command command, CommandResult result) {
        if (!result.succeeded()) {
            throw new CommandFailedException(
                    "'" + result.command() + "' in " + command.dir() + " exited with code " + result.exitCode() + ":\n"
                            + result.outputTail(15),
                    result,
                    false);
        }
        return result;
    }

    private static void killTree(Process process) {
        List<ProcessHandle> descendants = process.toHandle().descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.warn("killed process {} and {} descendants after timeout", process.pid(), descendants.size());
    }

    /** Collects lines: all to the step log (up to a size cap), the first and last lines in memory. */
    private final class CappedOutput extends LogOutputStream {
        private final StepLog stepLog;
        private final Consumer<String> observer;
        private final StringBuilder head = new StringBuilder();
        private final Deque<String> tail = new ArrayDeque<>();
        private int headLines;
        private long dropped;
        private long logged;

        CappedOutput(StepLog stepLog, Consumer<String> observer) {
            this.stepLog = stepLog;
            this.observer = observer;
        }

        @Override
        protected synchronized void processLine(String raw) {
            String line = redactor.redact(raw);
            if (observer != null) {
                observer.accept(line);
            }
            if (logged < MAX_LOG_BYTES) {
                stepLog.append(line + "\n");
                logged += line.length() + 1;
                if (logged >= MAX_LOG_BYTES) {
                    stepLog.append("[step log capped at " + MAX_LOG_BYTES + " bytes]\n");
                }
            }
            if (headLines < HEAD_LINES) {
                head.append(line).append('\n');
                headLines++;
                return;
            }
            tail.addLast(line);
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
                dropped++;
            }
        }

        void flushQuietly() {
            flush();
        }

        synchronized String text() {
            StringBuilder text = new StringBuilder(head);
            if (dropped > 0) {
                text.append("[... ").append(dropped).append(" lines omitted ...]\n");
            }
            tail.forEach(line -> text.append(line).append('\n'));
            return text.toString();
        }
    }
}

package dev.runbook.host;

import dev.runbook.exec.Redactor;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.ProcessVariables.StepContext;
import dev.runbook.process.RunbookDelegate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.stereotype.Component;

/**
 * Runs a host-bound step, whatever carried it to this host: the step named by the task's {@code step} property is the
 * same {@link RunbookDelegate} a service task calls, run on the variables the task was fetched with. The outcome says
 * how the worker reports back: complete with the variables the step wrote, a BPMN error the model catches (with
 * {@code failedStep}, {@code failureCode}, {@code failureMessage}), or a failure the engine retries and then shows as
 * an incident. Messages and stack traces are redacted before they leave.
 */
@Component
public class HostSteps {

    /**
     * The variable in which a remote host's agent sends the step's log with its outcome (see {@code HostLogPlugin});
     * at most {@link #LOG_MAX_CHARS} of it, the end kept.
     */
    public static final String LOG_VARIABLE = "hostStepLog";

    public static final int LOG_MAX_CHARS = 256 * 1024;

    private final ListableBeanFactory beans;
    private final Redactor redactor;

    /** @param beans where the steps are looked up by bean name (on an agent they are made on first use) */
    HostSteps(ListableBeanFactory beans, Redactor redactor) {
        this.beans = beans;
        this.redactor = redactor;
    }

    /** How a step ended, for the worker to report. */
    public sealed interface Outcome {}

    /** The step did its work; {@code variables} are what it wrote. */
    public record Completed(Map<String, Object> variables) implements Outcome {}

    /** An expected failure the model handles: a BPMN error with its code. */
    public record Failed(String code, String message, Map<String, Object> variables) implements Outcome {}

    /** A technical fault or a failed undo: the engine retries the task, then raises an incident. */
    public record Broken(String message, String details) implements Outcome {}

    public Outcome run(String step, Map<String, Object> variables, StepContext context) {
        RunbookDelegate delegate;
        try {
            delegate = step == null || !beans.isTypeMatch(step, RunbookDelegate.class)
                    ? null
                    : beans.getBean(step, RunbookDelegate.class);
        } catch (NoSuchBeanDefinitionException e) {
            delegate = null;
        } catch (BeansException e) {
            // on an agent: a step that needs the platform's engine or database cannot run on a host
            return new Broken(
                    context.activityId() + " (" + step + ") cannot run on this host: "
                            + redactor.redact(
                                    String.valueOf(e.getMostSpecificCause().getMessage())),
                    null);
        }
        if (delegate == null) {
            return new Broken(context.activityId() + " names no step this host runs: " + step, null);
        }
        ProcessVariables vars = ProcessVariables.of(variables, context);
        try {
            delegate.perform(vars);
            return new Completed(vars.written());
        } catch (BpmnError e) {
            return new Failed(e.getErrorCode(), e.getMessage(), vars.written());
        } catch (RuntimeException e) {
            return new Broken(redactor.redact(String.valueOf(e.getMessage())), redactor.redact(stackTrace(e)));
        }
    }

    private static String stackTrace(Throwable e) {
        StringWriter text = new StringWriter();
        e.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}

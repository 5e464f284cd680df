package dev.runbook.process;

import dev.runbook.config.DataDir;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Base of every service task delegate: gives the step its log file and turns expected failures
 * ({@link StepFailedException}, {@link CommandFailedException}) into a {@link BpmnError} with a code from
 * {@link BpmnErrors}, recording {@code failedStep}, {@code failureCode} and a redacted {@code failureMessage}.
 * In an undo path (a compensation handler, or a step of an event subprocess that rolls back) an expected failure
 * is not a BPMN error but an {@link UndoFailedException}: the job retries and then stays an incident, so a failed
 * undo is never a silent end. A code the subclass does not declare in {@link StepErrors} is an incident too (the
 * model test proves only declared codes caught).
 */
public abstract class RunbookDelegate implements JavaDelegate {

    /** MDC keys set while a step runs, so every log line of the step (structured logs: fields) names its run. */
    public static final List<String> MDC_KEYS = List.of("runId", "processKey", "target", "activityId");

    private static final Logger logger = LoggerFactory.getLogger(RunbookDelegate.class);

    protected final TargetRegistry targets;
    private final Redactor redactor;
    private DataDir dataDir;

    protected RunbookDelegate(TargetRegistry targets, Redactor redactor) {
        this.targets = targets;
        this.redactor = redactor;
    }

    /**
     * Where the step logs go. Injected by Spring after construction so that the 28 delegates' constructors need not
     * each pass it on (they already pass the target registry and the redactor).
     */
    @Autowired
    public final void setDataDir(DataDir dataDir) {
        this.dataDir = dataDir;
    }

    /** The BPMN error codes this step may end with: its {@link StepErrors} declaration (none without one). */
    public final Set<String> errorCodes() {
        return declaredErrorCodes(getClass());
    }

    /** The {@link StepErrors} codes of a delegate class in declared order, for checks without an instance. */
    public static Set<String> declaredErrorCodes(Class<?> delegateClass) {
        StepErrors declared = delegateClass.getAnnotation(StepErrors.class);
        return declared == null
                ? Set.of()
                : Collections.unmodifiableSet(new LinkedHashSet<>(List.of(declared.value())));
    }

    /** The step's work: read inputs from {@code vars}, call one client, write outputs. */
    protected abstract void run(ProcessVariables vars, StepLog log);

    @Override
    public final void execute(DelegateExecution execution) {
        perform(ProcessVariables.of(execution));
    }

    /**
     * Runs the step on {@code vars}: what {@link #execute} does for a service task, and what a host worker does for
     * the external task of a host-bound step (its writes are then in {@link ProcessVariables#written()}). Throws the
     * same {@link BpmnError}, {@link UndoFailedException} or other exception in both cases.
     */
    public final void perform(ProcessVariables vars) {
        StepLog log = StepLog.of(dataDir.root(), vars.runId(), vars.activityId());
        putMdc(vars);
        long started = System.nanoTime();
        try {
            run(vars, log);
            logger.info("step {} completed in {} ms", vars.activityId(), millisSince(started));
        } catch (StepFailedException e) {
            fail(vars, log, e.code(), e.getMessage(), e);
        } catch (CommandFailedException e) {
            fail(vars, log, BpmnErrors.COMMAND_FAILED, e.getMessage(), e);
        } finally {
            MDC_KEYS.forEach(MDC::remove);
        }
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    private static void putMdc(ProcessVariables vars) {
        MDC.put("runId", vars.runId());
        MDC.put("processKey", vars.processKey());
        MDC.put("target", vars.string(ProcessVariables.TARGET));
        MDC.put("activityId", vars.activityId());
    }

    private void fail(ProcessVariables vars, StepLog log, String code, String message, RuntimeException cause) {
        String safe = redactor.redact(message);
        String step = vars.activityId();
        log.line("! " + code + ": " + safe);
        logger.warn("step {} failed: {}: {}", step, code, abbreviate(safe));
        if (vars.inUndoPath()) {
            throw new UndoFailedException(step + " could not undo: " + safe, cause);
        }
        if (!errorCodes().contains(code)) {
            throw new IllegalStateException(
                    getClass().getSimpleName() + " (" + step
                            + ") failed with " + code
                            + ", which it does not declare in @StepErrors, so no model is known to "
                            + "catch it: " + safe,
                    cause);
        }
        vars.set(ProcessVariables.FAILED_STEP, step);
        if (vars.remoteHost() != null) {
            vars.set(ProcessVariables.FAILED_HOST, vars.remoteHost());
        }
        vars.set(ProcessVariables.FAILURE_CODE, code);
        vars.set(ProcessVariables.FAILURE_MESSAGE, abbreviate(safe));
        throw new BpmnError(code, abbreviate(safe));
    }

    private static String abbreviate(String text) {
        return text.length() <= 3500 ? text : text.substring(0, 3500) + " ...";
    }

    /** True for a compensation handler, or any step inside an event subprocess (the rollback path). */
    public static boolean inUndoPath(ModelElementInstance element) {
        if (element instanceof Activity activity && activity.isForCompensation()) {
            return true;
        }
        for (ModelElementInstance parent = element == null ? null : element.getParentElement();
                parent != null;
                parent = parent.getParentElement()) {
            if (parent instanceof SubProcess subProcess && subProcess.triggeredByEvent()) {
                return true;
            }
        }
        return false;
    }

    /** A compensation or rollback step could not do its work: an incident for an operator, never a silent end. */
    public static class UndoFailedException extends RuntimeException {
        public UndoFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

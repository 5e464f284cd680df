package dev.runbook.run;

import dev.runbook.audit.Refusals;
import dev.runbook.config.TargetRegistry;
import dev.runbook.process.ProcessVariables;
import java.util.ArrayList;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseUtil;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.jobexecutor.ExecuteJobHelper;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Engine plugin that makes the per-target lock hold for every way a run can start: a BPMN parse listener puts a
 * built-in start listener on the processes of {@link RunLauncher#CHANGING}, which takes the {@link TargetLock} in
 * the transaction that creates the process instance. A start over {@code /api}, {@code /engine-rest} or Cockpit
 * (restart) while another changing run holds the target fails with {@link RunLauncher.TargetBusyException} and
 * leaves nothing behind; a changing process started without a {@code target} is refused
 * ({@link TargetRequiredException}), and so is one naming a target that is not configured. A run that waits for an
 * approval first (deploy, update, rollback, db-restore of a target that requires approval) holds nothing while it
 * waits: the step of its process marked {@code takesTarget} takes the target after the decision, and waits for it
 * while another run holds it. A {@link RunLauncher#WAITING_FOR_CHANGES} run ({@code backup}) is refused the same way
 * while a changing run holds its target, without holding it. Built-in listeners run even when a start skips custom
 * listeners.
 */
@Component
class TargetLockEnginePlugin extends AbstractProcessEnginePlugin {

    private static final Logger log = LoggerFactory.getLogger(TargetLockEnginePlugin.class);

    /** The extension property ({@code camunda:property}) that marks the step taking the target after an approval. */
    static final String TAKES_TARGET = "takesTarget";

    /** The width of {@code target_lock.target}. */
    private static final int MAX_TARGET_LENGTH = 64;

    private final TargetLock lock;
    private final TargetRegistry targets;
    private final Refusals refusals;

    TargetLockEnginePlugin(TargetLock lock, TargetRegistry targets, Refusals refusals) {
        this.lock = lock;
        this.targets = targets;
        this.refusals = refusals;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        ExecutionListener atStart = this::acquireAtStart;
        ExecutionListener atStep = this::acquireAtStep;
        ExecutionListener free = this::requireFree;
        if (configuration.getCustomPostBPMNParseListeners() == null) {
            configuration.setCustomPostBPMNParseListeners(new ArrayList<>());
        }
        configuration.getCustomPostBPMNParseListeners().add(new AbstractBpmnParseListener() {
            @Override
            public void parseProcess(Element processElement, ProcessDefinitionEntity processDefinition) {
                if (RunLauncher.CHANGING.contains(processDefinition.getKey())) {
                    processDefinition.addBuiltInListener(ExecutionListener.EVENTNAME_START, atStart);
                } else if (RunLauncher.WAITING_FOR_CHANGES.contains(processDefinition.getKey())) {
                    processDefinition.addBuiltInListener(ExecutionListener.EVENTNAME_START, free);
                }
            }

            @Override
            public void parseServiceTask(Element element, ScopeImpl scope, ActivityImpl activity) {
                Element properties = BpmnParseUtil.findCamundaExtensionElement(element, "properties");
                if (properties != null
                        && properties.elementsNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS, "property").stream()
                                .anyMatch(property -> TAKES_TARGET.equals(property.attribute("name"))
                                        && "true".equals(property.attribute("value")))) {
                    activity.setProperty(TAKES_TARGET, true);
                    activity.addBuiltInListener(ExecutionListener.EVENTNAME_START, atStep);
                }
            }
        });
    }

    @Override
    public void postInit(ProcessEngineConfigurationImpl configuration) {
        ExecuteJobHelper.ExceptionLoggingHandler engineLogging = ExecuteJobHelper.LOGGING_HANDLER;
        if (!(engineLogging instanceof WaitLogging)) {
            ExecuteJobHelper.LOGGING_HANDLER = new WaitLogging(engineLogging);
        }
    }

    /** The step of a changing process marked {@code takesTarget}: the first one after its approval. */
    static boolean takesTarget(ActivityImpl activity) {
        return Boolean.TRUE.equals(activity.getProperty(TAKES_TARGET));
    }

    /** Whether a {@code takesTarget} step is in {@code scope}, at any depth (deploy's is in a per-host part). */
    private static boolean hasTakesTarget(ScopeImpl scope) {
        return scope.getActivities().stream().anyMatch(activity -> takesTarget(activity) || hasTakesTarget(activity));
    }

    /**
     * A changing run takes its target when it starts, unless it waits for an approval first (its process has a
     * {@code takesTarget} step and its target requires approval): then the step takes it, after the decision.
     */
    private void acquireAtStart(DelegateExecution delegate) {
        ExecutionEntity execution = (ExecutionEntity) delegate;
        if (execution.isProcessInstanceExecution()) {
            String target = targetOf(execution);
            boolean approvalFirst = hasTakesTarget(execution.getProcessDefinition())
                    && targets.get(target).approval().required();
            if (!approvalFirst) {
                try {
                    acquire(execution, target);
                } catch (RunLauncher.TargetBusyException busy) {
                    throw refused(execution, target, busy);
                }
            }
        }
    }

    /**
     * The first step after the approval takes the target (a no-op for a run that holds it already). While another
     * run holds it, the step's job fails with {@link RunLauncher.TargetBusyException} and the engine tries it again
     * every 5 s for an hour ({@code failedJobRetryTimeCycle}), logged in one line each time: the run waits for the
     * target ({@code WAITING_FOR_TARGET}), then becomes an incident.
     */
    private void acquireAtStep(DelegateExecution delegate) {
        ExecutionEntity execution = (ExecutionEntity) delegate;
        acquire(execution, targetOf(execution));
    }

    private void acquire(ExecutionEntity execution, String target) {
        lock.acquire(
                target,
                execution.getProcessInstanceId(),
                execution.getProcessDefinition().getKey(),
                TargetLockEnginePlugin::running);
    }

    /** A {@link RunLauncher#WAITING_FOR_CHANGES} run starts only while no changing run holds its target. */
    private void requireFree(DelegateExecution delegate) {
        ExecutionEntity execution = (ExecutionEntity) delegate;
        if (execution.isProcessInstanceExecution()) {
            String target = targetOf(execution);
            lock.holder(target).filter(TargetLockEnginePlugin::running).ifPresent(holder -> {
                throw refused(execution, target, new RunLauncher.TargetBusyException(target, holder));
            });
        }
    }

    /** A start refused because another run holds the target: audited and logged in one line. */
    private RunLauncher.TargetBusyException refused(
            ExecutionEntity execution, String target, RunLauncher.TargetBusyException busy) {
        String processKey = execution.getProcessDefinition().getKey();
        refusals.record(
                Refusals.Reason.TARGET_BUSY,
                Context.getCommandContext().getAuthenticatedUserId(),
                target,
                processKey,
                busy.runId(),
                "start " + processKey + " on " + target,
                busy.getMessage());
        return busy;
    }

    /** The configured target the run names. */
    private String targetOf(ExecutionEntity execution) {
        Object target = execution.getVariable(ProcessVariables.TARGET);
        String processKey = execution.getProcessDefinition().getKey();
        if (!(target instanceof String name) || name.isBlank() || name.length() > MAX_TARGET_LENGTH) {
            throw new TargetRequiredException("a " + processKey + " run works on a target: start it with the "
                    + "variable '" + ProcessVariables.TARGET + "' naming it");
        }
        if (!targets.all().containsKey(name)) {
            throw new TargetRequiredException("a " + processKey + " run works on a target: no target is configured "
                    + "under the name given in '" + ProcessVariables.TARGET + "'");
        }
        return name;
    }

    /** A changing process was started without the target it changes (logged by the engine at debug level). */
    public static class TargetRequiredException extends BadUserRequestException {
        public TargetRequiredException(String message) {
            super(message);
        }
    }

    /**
     * The engine logs a failed job at WARN with its stack trace; a step waiting for its target is not a fault: one
     * line at INFO.
     */
    private record WaitLogging(ExecuteJobHelper.ExceptionLoggingHandler engine)
            implements ExecuteJobHelper.ExceptionLoggingHandler {
        @Override
        public void exceptionWhileExecutingJob(String jobId, Throwable exception) {
            if (exception instanceof RunLauncher.TargetBusyException busy) {
                log.info("job {} waits for its target, tried again in 5 s: {}", jobId, busy.getMessage());
            } else {
                engine.exceptionWhileExecutingJob(jobId, exception);
            }
        }
    }

    /** Whether the run still has an execution, looked up without the caller's authorizations. */
    private static boolean running(String runId) {
        return Context.getCommandContext().getExecutionManager().findExecutionById(runId) != null;
    }
}

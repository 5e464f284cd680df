package dev.runbook.run;

import dev.runbook.config.TargetRegistry;
import dev.runbook.process.ProcessVariables;
import java.util.ArrayList;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.springframework.stereotype.Component;

/**
 * Engine plugin that makes the per-target lock hold for every way a run can start: a BPMN parse listener puts a
 * built-in start listener on the processes of {@link RunLauncher#CHANGING}, which takes the {@link TargetLock} in
 * the transaction that creates the process instance. A start over {@code /api}, {@code /engine-rest} or Cockpit
 * (restart) while another changing run holds the target fails with {@link RunLauncher.TargetBusyException} and
 * leaves nothing behind; a changing process started without a {@code target} is refused
 * ({@link TargetRequiredException}), and so is one naming a target that is not configured. A
 * {@link RunLauncher#WAITING_FOR_CHANGES} run ({@code backup}) is refused the same way while a changing run holds its
 * target, without holding it. Built-in listeners run even when a start skips custom listeners.
 */
@Component
class TargetLockEnginePlugin extends AbstractProcessEnginePlugin {

    /** The width of {@code target_lock.target}. */
    private static final int MAX_TARGET_LENGTH = 64;

    private final TargetLock lock;
    private final TargetRegistry targets;

    TargetLockEnginePlugin(TargetLock lock, TargetRegistry targets) {
        this.lock = lock;
        this.targets = targets;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        ExecutionListener listener = this::acquire;
        ExecutionListener free = this::requireFree;
        if (configuration.getCustomPostBPMNParseListeners() == null) {
            configuration.setCustomPostBPMNParseListeners(new ArrayList<>());
        }
        configuration.getCustomPostBPMNParseListeners().add(new AbstractBpmnParseListener() {
            @Override
            public void parseProcess(Element processElement, ProcessDefinitionEntity processDefinition) {
                if (RunLauncher.CHANGING.contains(processDefinition.getKey())) {
                    processDefinition.addBuiltInListener(ExecutionListener.EVENTNAME_START, listener);
                } else if (RunLauncher.WAITING_FOR_CHANGES.contains(processDefinition.getKey())) {
                    processDefinition.addBuiltInListener(ExecutionListener.EVENTNAME_START, free);
                }
            }
        });
    }

    private void acquire(DelegateExecution delegate) {
        ExecutionEntity execution = (ExecutionEntity) delegate;
        if (execution.isProcessInstanceExecution()) {
            lock.acquire(
                    targetOf(execution),
                    execution.getProcessInstanceId(),
                    execution.getProcessDefinition().getKey(),
                    TargetLockEnginePlugin::running);
        }
    }

    /** A {@link RunLauncher#WAITING_FOR_CHANGES} run starts only while no changing run holds its target. */
    private void requireFree(DelegateExecution delegate) {
        ExecutionEntity execution = (ExecutionEntity) delegate;
        if (execution.isProcessInstanceExecution()) {
            String target = targetOf(execution);
            lock.holder(target).filter(TargetLockEnginePlugin::running).ifPresent(holder -> {
                throw new RunLauncher.TargetBusyException(target, holder);
            });
        }
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

    /** Whether the run still has an execution, looked up without the caller's authorizations. */
    private static boolean running(String runId) {
        return Context.getCommandContext().getExecutionManager().findExecutionById(runId) != null;
    }
}

package dev.runbook.host;

import dev.runbook.config.DataDir;
import dev.runbook.exec.StepLog;
import dev.runbook.process.HostBound;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.springframework.stereotype.Component;

/**
 * Brings a remote host's step log to where the run page reads it: an agent sends the (redacted) log of the step with
 * its outcome in the variable {@link HostSteps#LOG_VARIABLE}; when the step ends (completed, or left by its BPMN
 * error) an end listener on every external service task writes it over the step's log file under the platform's data
 * directory and removes the variable. The local worker writes that file itself and sends no log.
 */
@Component
class HostLogPlugin extends AbstractProcessEnginePlugin {

    private final DataDir dataDir;

    HostLogPlugin(DataDir dataDir) {
        this.dataDir = dataDir;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        List<BpmnParseListener> listeners = configuration.getCustomPostBPMNParseListeners() == null
                ? new ArrayList<>()
                : new ArrayList<>(configuration.getCustomPostBPMNParseListeners());
        listeners.add(new AbstractBpmnParseListener() {
            @Override
            public void parseServiceTask(Element element, ScopeImpl scope, ActivityImpl activity) {
                if ("external".equals(element.attributeNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS, "type"))) {
                    activity.addListener(ExecutionListener.EVENTNAME_END, (ExecutionListener) HostLogPlugin.this::keep);
                }
            }
        });
        configuration.setCustomPostBPMNParseListeners(listeners);
    }

    private void keep(DelegateExecution execution) {
        if (execution.getVariable(HostSteps.LOG_VARIABLE) instanceof String log) {
            Object host = execution.getVariable(HostBound.HOST_VARIABLE);
            StepLog.of(
                            dataDir.root(),
                            execution.getProcessInstanceId(),
                            HostBound.logName(execution.getCurrentActivityId(), host == null ? null : host.toString()))
                    .replace(log);
            execution.removeVariable(HostSteps.LOG_VARIABLE);
        }
    }
}

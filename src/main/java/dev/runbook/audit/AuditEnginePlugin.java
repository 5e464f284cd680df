package dev.runbook.audit;

import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.bpmn.behavior.UserTaskActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.incident.IncidentHandler;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.engine.runtime.Incident;
import org.springframework.stereotype.Component;

/**
 * Engine plugin that audits every runbook without touching its model: a BPMN parse listener adds
 * {@link RunAuditListener} as a built-in listener to the start and end of every process and to the completion of
 * every user task (built-in listeners run even when a cancellation skips custom listeners, and before the model's
 * own listeners), and {@link IncidentAuditHandler} wraps the failed-job incident handler. New runbooks are covered
 * as soon as they are deployed.
 */
@Component
class AuditEnginePlugin extends AbstractProcessEnginePlugin {

    private final AuditTrail trail;

    AuditEnginePlugin(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        RunAuditListener listener = new RunAuditListener(trail);
        if (configuration.getCustomPostBPMNParseListeners() == null) {
            configuration.setCustomPostBPMNParseListeners(new ArrayList<>());
        }
        configuration.getCustomPostBPMNParseListeners().add(new AbstractBpmnParseListener() {
            @Override
            public void parseProcess(Element processElement, ProcessDefinitionEntity processDefinition) {
                processDefinition.addBuiltInListener(ExecutionListener.EVENTNAME_START, listener);
                processDefinition.addBuiltInListener(ExecutionListener.EVENTNAME_END, listener);
            }

            @Override
            public void parseUserTask(Element userTaskElement, ScopeImpl scope, ActivityImpl activity) {
                ((UserTaskActivityBehavior) activity.getActivityBehavior())
                        .getTaskDefinition()
                        .addBuiltInTaskListener(TaskListener.EVENTNAME_COMPLETE, listener);
            }
        });
    }

    @Override
    public void postInit(ProcessEngineConfigurationImpl configuration) {
        // failed jobs (service tasks) and failed external tasks (host-bound steps) alike
        for (String type : List.of(Incident.FAILED_JOB_HANDLER_TYPE, Incident.EXTERNAL_TASK_HANDLER_TYPE)) {
            IncidentHandler handler = configuration.getIncidentHandler(type);
            configuration.getIncidentHandlers().put(type, new IncidentAuditHandler(handler, trail));
        }
    }
}

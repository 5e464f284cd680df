package dev.runbook.metrics;

import dev.runbook.process.HostBound;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.history.event.HistoricActivityInstanceEventEntity;
import org.camunda.bpm.engine.impl.history.event.HistoryEvent;
import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;
import org.camunda.bpm.engine.impl.history.handler.HistoryEventHandler;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.jobexecutor.JobExecutorContext;
import org.camunda.bpm.engine.impl.persistence.entity.HistoricActivityInstanceEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.pvm.runtime.ActivityInstanceState;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.springframework.stereotype.Component;

/**
 * Counts runs and times steps without touching any model: a {@link BpmnParseListener} adds a start and an end
 * listener to every process definition (runs started and ended, with the {@code target} and {@code runOutcome}
 * variables), and a history event handler (next to the engine's database handler) times every service task and
 * approval task when its activity instance ends; a start listener on each asynchronous service task measures how long
 * its job waited for the job executor. Feeds {@link RunMetrics}.
 */
@Component
public class RunMetricsPlugin extends AbstractProcessEnginePlugin {

    private final RunMetrics metrics;

    public RunMetricsPlugin(RunMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        List<BpmnParseListener> parseListeners = configuration.getCustomPostBPMNParseListeners() == null
                ? new ArrayList<>()
                : new ArrayList<>(configuration.getCustomPostBPMNParseListeners());
        parseListeners.add(new RunListeners());
        configuration.setCustomPostBPMNParseListeners(parseListeners);
        List<HistoryEventHandler> handlers = configuration.getCustomHistoryEventHandlers() == null
                ? new ArrayList<>()
                : new ArrayList<>(configuration.getCustomHistoryEventHandlers());
        handlers.add(new StepTimer());
        configuration.setCustomHistoryEventHandlers(handlers);
    }

    /** Adds run start and end listeners to each parsed process definition. */
    private final class RunListeners extends AbstractBpmnParseListener {
        @Override
        public void parseProcess(Element processElement, ProcessDefinitionEntity processDefinition) {
            String key = processDefinition.getKey();
            processDefinition.addListener(ExecutionListener.EVENTNAME_START, (ExecutionListener)
                    execution -> metrics.runStarted(key, string(execution, "target")));
            processDefinition.addListener(
                    ExecutionListener.EVENTNAME_END, (ExecutionListener) execution -> metrics.runEnded(
                            key, string(execution, "target"), string(execution, "runOutcome"), execution.isCanceled()));
        }

        /** Service tasks that run as jobs: how long the job waited for the job executor (see RunMetrics). */
        @Override
        public void parseServiceTask(Element serviceTaskElement, ScopeImpl scope, ActivityImpl activity) {
            if (activity.isAsyncBefore()) {
                activity.addListener(ExecutionListener.EVENTNAME_START, (ExecutionListener) execution -> jobWaited());
            }
        }

        private static String string(DelegateExecution execution, String name) {
            Object value = execution.getVariable(name);
            return value == null ? null : value.toString();
        }
    }

    /**
     * The wait of the job that runs a step, from when it was due (created, or its due date) to now: only a first
     * attempt run by the job executor (a retry waits on purpose).
     */
    private void jobWaited() {
        JobExecutorContext context = Context.getJobExecutorContext();
        JobEntity job = context == null ? null : context.getCurrentJob();
        if (job == null || job.getExceptionMessage() != null || job.getCreateTime() == null) {
            return;
        }
        Date due = job.getDuedate() != null && job.getDuedate().after(job.getCreateTime())
                ? job.getDuedate()
                : job.getCreateTime();
        metrics.stepDispatched(RunMetrics.JOB, HostBound.LOCAL, Duration.between(due.toInstant(), Instant.now()));
    }

    /** Times service and user tasks from their history events. */
    private final class StepTimer implements HistoryEventHandler {
        @Override
        public void handleEvent(HistoryEvent event) {
            if (!(event instanceof HistoricActivityInstanceEventEntity activity)
                    || !HistoryEventTypes.ACTIVITY_INSTANCE_END.getEventName().equals(activity.getEventType())
                    || activity.getEndTime() == null) {
                return;
            }
            Date start = activity.getStartTime() != null ? activity.getStartTime() : storedStart(activity);
            if (start != null) {
                metrics.stepEnded(
                        activity.getProcessDefinitionKey(),
                        activity.getActivityId(),
                        activity.getActivityType(),
                        activity.getEndTime().getTime() - start.getTime(),
                        activity.getActivityInstanceState() == ActivityInstanceState.CANCELED.getStateCode());
            }
        }

        /**
         * An activity that ends in a later transaction than it started (an approval task) has no start time in its
         * end event: read it from the history row written when it started.
         */
        private static Date storedStart(HistoricActivityInstanceEventEntity activity) {
            CommandContext context = Context.getCommandContext();
            if (context == null) {
                return null;
            }
            HistoricActivityInstanceEntity stored = context.getDbEntityManager()
                    .selectById(HistoricActivityInstanceEntity.class, activity.getActivityInstanceId());
            return stored == null ? null : stored.getStartTime();
        }

        @Override
        public void handleEvents(List<HistoryEvent> events) {
            events.forEach(this::handleEvent);
        }
    }
}

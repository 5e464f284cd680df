package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/** Every log line written while a step runs names its run, process and target (MDC), and only then. */
class RunbookDelegateTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldPutRunProcessAndTargetIntoTheMdcWhileTheStepRunsAndClearThemAfter() {
        Map<String, String> seen = new HashMap<>();
        RunbookDelegate delegate = delegate(vars -> seen.putAll(MDC.getCopyOfContextMap()));
        delegate.execute(execution());

        assertThat(seen)
                .containsEntry("runId", "run-7")
                .containsEntry("processKey", "deploy")
                .containsEntry("target", "shop")
                .containsEntry("activityId", "Task_GitCheckout");
        assertThat(MDC.get("runId")).isNull();
        assertThat(MDC.get("target")).isNull();
    }

    @Test
    void shouldClearTheMdcWhenTheStepFails() {
        RunbookDelegate delegate = delegate(vars -> {
            throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, "dirty tree");
        });
        assertThatThrownBy(() -> delegate.execute(execution())).isInstanceOf(BpmnError.class);
        assertThat(MDC.get("processKey")).isNull();
    }

    @Test
    void shouldMakeAnUndeclaredErrorCodeAnIncidentNotABpmnError() {
        RunbookDelegate delegate = delegate(vars -> {
            throw new StepFailedException(BpmnErrors.BACKUP_INVALID, "damaged");
        });
        assertThat(delegate.errorCodes()).containsExactly(BpmnErrors.PRECONDITION_FAILED);
        assertThatThrownBy(() -> delegate.execute(execution()))
                .isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(BpmnError.class)
                .hasMessageContaining("BACKUP_INVALID")
                .hasMessageContaining("@StepErrors");
    }

    private RunbookDelegate delegate(java.util.function.Consumer<ProcessVariables> work) {
        RunbookProperties properties = new RunbookProperties(dataDir, null, null, Map.of());
        WorkDelegate delegate =
                new WorkDelegate(new TargetRegistry(properties, List.of()), new Redactor(properties, List.of()), work);
        delegate.setDataDir(new DataDir(properties));
        return delegate;
    }

    @StepErrors(BpmnErrors.PRECONDITION_FAILED)
    private static final class WorkDelegate extends RunbookDelegate {

        private final java.util.function.Consumer<ProcessVariables> work;

        WorkDelegate(TargetRegistry targets, Redactor redactor, java.util.function.Consumer<ProcessVariables> work) {
            super(targets, redactor);
            this.work = work;
        }

        @Override
        protected void run(ProcessVariables vars, StepLog log) {
            work.accept(vars);
        }
    }

    private static DelegateExecution execution() {
        DelegateExecution execution = mock(DelegateExecution.class);
        when(execution.getProcessInstanceId()).thenReturn("run-7");
        when(execution.getProcessDefinitionId()).thenReturn("deploy:3:abc-123");
        when(execution.getCurrentActivityId()).thenReturn("Task_GitCheckout");
        when(execution.getVariable("target")).thenReturn("shop");
        return execution;
    }
}

package dev.runbook.process;

import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.complete;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.identityService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.managementService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.task;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.withVariables;

import dev.runbook.approval.ApprovalDeadlineTaskListener;
import dev.runbook.approval.FourEyesTaskListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.mock.Mocks;

/**
 * Process-test support: every delegate bean replaced by a recording stub that sets given outputs or, for the steps
 * marked failing, throws the BPMN error the real delegate would; jobs executed one by one by the test.
 */
final class StubbedRun {

    static final List<String> DELEGATES = List.of("resolveReleaseDelegate", "releaseBackupDelegate",
            "gitCheckoutDelegate", "gitUndoCheckoutDelegate", "installAndBuildDelegate", "restoreArtifactsDelegate",
            "pm2ReloadDelegate", "pm2ReloadPreviousDelegate", "healthCheckDelegate", "recordReleaseDelegate", "pm2RestartDelegate",
            "serviceControlDelegate", "pm2SaveDelegate", "validateBackupDelegate", "monitorCheckDelegate",
            "monitorAlertDelegate", "monitorRecoveryDelegate", "dbBackupDelegate", "migrateDelegate",
            "dbRestoreBackupDelegate");

    final List<String> calls = new ArrayList<>();
    final Set<String> failing = new HashSet<>();
    private final Map<String, Map<String, Object>> outputs = new HashMap<>();

    StubbedRun() {
        for (String bean : DELEGATES) {
            Mocks.register(bean, (JavaDelegate) execution -> {
                String step = execution.getCurrentActivityId();
                calls.add(step);
                if (failing.contains(step)) {
                    throw new BpmnError(failureCode(step), step + " failed");
                }
                execution.setVariables(outputs.getOrDefault(bean, Map.of()));
            });
        }
        Mocks.register(RunOutcomes.BEAN, new RunOutcomes());
        Mocks.register("fourEyesTaskListener", new FourEyesTaskListener(identityService()));
        Mocks.register("approvalDeadlineTaskListener", new ApprovalDeadlineTaskListener());
    }

    /** Variables the stub of {@code bean} writes when it runs. */
    StubbedRun outputs(String bean, Map<String, Object> values) {
        outputs.put(bean, values);
        return this;
    }

    static void reset() {
        Mocks.reset();
        identityService().clearAuthentication();
    }

    private static String failureCode(String step) {
        if (step.contains("Health")) {
            return BpmnErrors.HEALTH_CHECK_FAILED;
        }
        if (step.contains("Resolve") || step.contains("Validate")) {
            return BpmnErrors.PRECONDITION_FAILED;
        }
        if (step.contains("Backup") || step.contains("Snapshot")) {
            return BpmnErrors.BACKUP_FAILED;
        }
        return BpmnErrors.COMMAND_FAILED;
    }

    /** Starts {@code processKey} as alice with {@code target=shop} and the given variables. */
    static ProcessInstance start(String processKey, Object... variables) {
        identityService().setAuthenticatedUserId("alice");
        try {
            Map<String, Object> all = new HashMap<>();
            for (int i = 0; i < variables.length; i += 2) {
                all.put((String) variables[i], variables[i + 1]);
            }
            all.put("target", "shop");
            return runtimeService().startProcessInstanceByKey(processKey, "shop:" + processKey, all);
        } finally {
            identityService().clearAuthentication();
        }
    }

    /** Executes due jobs until the run waits or ends. */
    static void runJobs() {
        for (int i = 0; i < 50; i++) {
            List<Job> due = managementService().createJobQuery().executable().list();
            if (due.isEmpty()) {
                return;
            }
            managementService().executeJob(due.get(0).getId());
        }
        throw new AssertionError("run did not settle after 50 jobs");
    }

    /** Decides the run's approval task as {@code user} (an approver). */
    static void decide(ProcessInstance instance, String user, boolean approved) {
        identityService().setAuthentication(user, List.of("approvers"));
        try {
            complete(task(instance), withVariables("approved", approved, "approvalComment", "checked"));
        } finally {
            identityService().clearAuthentication();
        }
    }

    /** The {@code runOutcome} the run ended with. */
    static Object outcome(ProcessInstance instance) {
        return historyService().createHistoricVariableInstanceQuery().processInstanceId(instance.getId())
                .variableName("runOutcome").singleResult().getValue();
    }
}

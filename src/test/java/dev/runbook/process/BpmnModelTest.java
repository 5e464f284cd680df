package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnEdge;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks every model in {@code bpmn/}: file name = process key, history time-to-live set, every flow node and
 * sequence flow drawn (Cockpit can render it), no Modeler default ids, every service task asynchronous (asyncBefore, or
 * a host-bound external task, which is a wait state by nature; or a compensation handler, which the engine runs inside
 * its throw event's job), every BPMN error code a task's delegate
 * declares ({@link StepErrors}) caught in the task's scope by an event naming that error (or one of the catch-alls
 * listed here with the reason), and {@code runOutcome} set only through {@link RunOutcomes} with a {@link RunOutcome}.
 */
class BpmnModelTest {

    private static final Pattern MODELER_DEFAULT = Pattern.compile(
            "^(Activity|Task|UserTask|ServiceTask|StartEvent|EndEvent|Event|Gateway|ExclusiveGateway|Flow"
                    + "|SequenceFlow|BoundaryEvent|SubProcess|IntermediateThrowEvent|Process|Association)"
                    + "_((?=[0-9a-z]*\\d)[0-9a-z]{7}|\\d+)$");

    /** Declared error codes of every delegate bean, read from the delegates' {@link StepErrors}. */
    private static final Map<String, Set<String>> DELEGATES = ModelChecks.declaredErrorCodes();

    /**
     * The error events that catch any error, each where the model means "this step (or any step of the scope) failed,
     * whatever the cause" and every cause takes the same path. Any other error event must name its error.
     */
    private static final Map<String, String> CATCH_ALLS = Map.ofEntries(
            Map.entry("BoundaryEvent_SwitchFailed", "deploy, update: a host's switch failed: ask or roll back"),
            Map.entry("BoundaryEvent_ReloadFailed", "deploy, update: a host's reload failed: ask or roll back"),
            Map.entry("BoundaryEvent_CheckFailed", "deploy, update: a host's check failed: ask or roll back"),
            Map.entry(
                    "BoundaryEvent_BackupReleaseFailed",
                    "backup: a host's pin failed (nothing serves there): stop there, FAILED"),
            Map.entry("BoundaryEvent_StartDailyBackupFailed", "db-backup-schedule: the run goes on to the next timer"),
            Map.entry("BoundaryEvent_StartWeeklyBackupFailed", "db-backup-schedule: the run goes on to the next timer"),
            Map.entry(
                    "BoundaryEvent_StartMonthlyBackupFailed", "db-backup-schedule: the run goes on to the next timer"),
            Map.entry("StartEvent_BackupFailed", "db-backup: any step failed: alert, incident until a good backup"),
            Map.entry(
                    "BoundaryEvent_BackupInvalid",
                    "db-restore: the backup cannot be used, whatever the " + "reason; nothing changed: FAILED"),
            Map.entry("BoundaryEvent_SafetyBackupFailed", "db-restore: no safety backup, nothing changed: FAILED"),
            Map.entry("StartEvent_RestoreFailed", "db-restore: any restore step failed: revert to the safety backup"),
            Map.entry(
                    "BoundaryEvent_ResolveFailed",
                    "deploy, update: the release cannot be resolved (unknown ref, "
                            + "fetch failed); nothing changed: FAILED"),
            Map.entry("StartEvent_ReleaseFailed", "deploy, update: any release step failed: compensate, roll back"),
            Map.entry("StartEvent_RollbackFailed", "rollback: any rollback step failed: switch back, reload"),
            Map.entry("BoundaryEvent_ReleaseInvalid", "rollback: the release cannot be used, nothing changed: FAILED"),
            Map.entry(
                    "BoundaryEvent_CheckHealthFailed",
                    "monitor: a host's check could not be made: the host counts as unhealthy"),
            Map.entry("BoundaryEvent_CloseAlertFailed", "monitor: a failed recovery notice still ends HEALTHY"),
            Map.entry("BoundaryEvent_RaiseAlertFailed", "monitor: a failed alert still ends UNHEALTHY"),
            Map.entry(
                    "BoundaryEvent_RestartFailed",
                    "restart: a host's restart or check failed (command, apps not online, unhealthy): stop there,"
                            + " FAILED"),
            Map.entry(
                    "BoundaryEvent_ControlServiceFailed",
                    "service-control: a host's PM2 action or save failed (command or app not online): stop there, FAILED"));

    @Test
    void modelerDefaultIdsAreRecognised() {
        assertThat("Activity_0x1y2z3").matches(MODELER_DEFAULT);
        assertThat("UserTask_1").matches(MODELER_DEFAULT);
        assertThat("EndEvent_Expired").doesNotMatch(MODELER_DEFAULT);
    }

    @TestFactory
    Stream<DynamicTest> everyModelFollowsTheRules() throws IOException {
        List<Path> files = models();
        assertThat(files).isNotEmpty();
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file)));
    }

    private static List<Path> models() throws IOException {
        try (Stream<Path> list = Files.list(Path.of("bpmn"))) {
            return list.filter(p -> p.toString().endsWith(".bpmn")).sorted().toList();
        }
    }

    private void check(Path file) {
        BpmnModelInstance model = Bpmn.readModelFromFile(file.toFile());
        Bpmn.validateModel(model);
        Process process = model.getModelElementsByType(Process.class).iterator().next();
        assertThat(process.getId() + ".bpmn").isEqualTo(file.getFileName().toString());
        assertThat(process.getCamundaHistoryTimeToLiveString())
                .as("historyTimeToLive")
                .isNotBlank();

        Set<String> drawn = model.getModelElementsByType(BpmnShape.class).stream()
                .map(shape -> shape.getBpmnElement().getId())
                .collect(Collectors.toSet());
        drawn.addAll(model.getModelElementsByType(BpmnEdge.class).stream()
                .map(edge -> edge.getBpmnElement().getId())
                .collect(Collectors.toSet()));
        List<BaseElement> elements = new ArrayList<>(model.getModelElementsByType(FlowNode.class));
        elements.addAll(model.getModelElementsByType(SequenceFlow.class));
        for (BaseElement element : elements) {
            assertThat(drawn).as("%s is drawn", element.getId()).contains(element.getId());
            assertThat(element.getId()).as("id is not a Modeler default").doesNotMatch(MODELER_DEFAULT);
            if (element instanceof FlowNode node && !(element instanceof SubProcess)) {
                assertThat(node.getName())
                        .as("%s has a readable name", node.getId())
                        .satisfiesAnyOf(
                                name -> assertThat(name).isNotBlank(),
                                name -> assertThat(node.getElementType().getTypeName())
                                        .isIn("exclusiveGateway", "boundaryEvent"));
            }
        }
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            if (!task.isForCompensation()) {
                assertThat(task.isCamundaAsyncBefore() || "external".equals(task.getCamundaType()))
                        .as("%s is asyncBefore or an external task", task.getId())
                        .isTrue();
                assertThat(task.isCamundaAsyncBefore()
                                && "external".equals(task.getCamundaType())
                                && HostBound.property(task, "takesTarget").isEmpty())
                        .as(
                                "%s is an external task (a wait state already): asyncBefore would only add a job,"
                                        + " unless the step takes the target (it waits for it in its job)",
                                task.getId())
                        .isFalse();
            }
            if ("external".equals(task.getCamundaType())) {
                // a host-bound step: on the host the run's target (or its per-host part) names, and an agent, which
                // has no model, learns from the step itself whether it undoes (its failures are then incidents)
                assertThat(task.getCamundaTopic())
                        .as("%s is on its host's topic", task.getId())
                        .isEqualTo(HostBound.TOPIC_EXPRESSION);
                assertThat(HostBound.property(task, HostBound.UNDO_PROPERTY).orElse("false"))
                        .as("%s says undo=true exactly when it is in an undo path", task.getId())
                        .isEqualTo(String.valueOf(RunbookDelegate.inUndoPath(task)));
                assertThat(HostBound.step(task))
                        .as("%s names its step", task.getId())
                        .isPresent();
            }
        }
        assertThat(ModelChecks.undeclaredErrors(model)).as("errors of %s", file).isEmpty();
        assertThat(ModelChecks.uncaughtErrors(model, DELEGATES, CATCH_ALLS.keySet()))
                .as("errors of %s", file)
                .isEmpty();
        try {
            assertThat(ModelChecks.outcomeProblems(Files.readString(file)))
                    .as("outcomes of %s", file)
                    .isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code update} is {@code deploy} without the database steps: same steps, names, delegates, events, listeners
     * and flow order. A change to one model that the other does not get fails here.
     */
    @Test
    void shouldKeepUpdateInStepWithDeployMinusTheDatabaseSteps() {
        BpmnModelInstance deploy =
                Bpmn.readModelFromFile(Path.of("bpmn", "deploy.bpmn").toFile());
        BpmnModelInstance update =
                Bpmn.readModelFromFile(Path.of("bpmn", "update.bpmn").toFile());
        Pattern databaseStep = Pattern.compile(".*(Database|Migrat).*|StartEvent_DeployRequested");

        Map<String, String> deployNodes = ModelChecks.describeNodes(deploy);
        Map<String, String> updateNodes = ModelChecks.describeNodes(update);
        updateNodes.remove("StartEvent_UpdateRequested");
        deployNodes.keySet().removeIf(id -> databaseStep.matcher(id).matches());
        assertThat(updateNodes).isEqualTo(deployNodes);
        assertThat(ModelChecks.flowsSkipping(update, databaseStep))
                .as("flows")
                .isEqualTo(ModelChecks.flowsSkipping(deploy, databaseStep));
    }

    @Test
    void shouldAllowOnlyCatchAllsThatAModelHas() throws IOException {
        Set<String> catchAlls = new java.util.HashSet<>();
        for (Path file : models()) {
            BpmnModelInstance model = Bpmn.readModelFromFile(file.toFile());
            catchAlls.addAll(ModelChecks.catchAlls(model));
        }
        assertThat(CATCH_ALLS.keySet())
                .as("allowed catch-alls no model has any more")
                .isEqualTo(catchAlls);
    }

    @Test
    void shouldFindACodeThatNoEventOfTheTasksScopeCatches() {
        BpmnModelInstance model = Bpmn.createExecutableProcess("checked")
                .startEvent("StartEvent_Requested")
                .serviceTask("Task_RestartApps")
                .camundaDelegateExpression("${pm2RestartDelegate}")
                .boundaryEvent("BoundaryEvent_HealthCheckFailed")
                .error("HEALTH_CHECK_FAILED")
                .endEvent("EndEvent_Failed")
                .moveToActivity("Task_RestartApps")
                .endEvent("EndEvent_Done")
                .done();

        assertThat(ModelChecks.uncaughtErrors(model, DELEGATES, Set.of()))
                .containsExactly(
                        "Task_RestartApps: PRECONDITION_FAILED is not caught",
                        "Task_RestartApps: COMMAND_FAILED is not caught");
    }

    @Test
    void shouldRefuseACatchAllThatIsNotAllowedAndAnUnknownDelegate() {
        BpmnModelInstance model = Bpmn.createExecutableProcess("checked")
                .startEvent("StartEvent_Requested")
                .serviceTask("Task_HealthCheck")
                .camundaDelegateExpression("${healthCheckDelegate}")
                .boundaryEvent("BoundaryEvent_AnyFailure")
                .error()
                .endEvent("EndEvent_Failed")
                .moveToActivity("Task_HealthCheck")
                .serviceTask("Task_WarmCache")
                .camundaDelegateExpression("${warmCacheDelegate}")
                .endEvent("EndEvent_Done")
                .done();

        assertThat(ModelChecks.uncaughtErrors(model, DELEGATES, Set.of()))
                .containsExactlyInAnyOrder(
                        "BoundaryEvent_AnyFailure: catch-all error event not allowed (name the error it catches)",
                        "Task_WarmCache: delegate expression ${warmCacheDelegate} names no RunbookDelegate bean");
        assertThat(ModelChecks.uncaughtErrors(model, DELEGATES, Set.of("BoundaryEvent_AnyFailure")))
                .containsExactly(
                        "Task_WarmCache: delegate expression ${warmCacheDelegate} names no RunbookDelegate " + "bean");
    }

    @Test
    void shouldCountAnEventSubprocessOfAnEnclosingScopeAsCatching() {
        BpmnModelInstance model = Bpmn.createExecutableProcess("checked")
                .startEvent("StartEvent_Requested")
                .serviceTask("Task_HealthCheck")
                .camundaDelegateExpression("${healthCheckDelegate}")
                .endEvent("EndEvent_Done")
                .done();
        model.<org.camunda.bpm.model.bpmn.instance.Process>getModelElementById("checked")
                .builder()
                .eventSubProcess("SubProcess_RollBack")
                .startEvent("StartEvent_HealthCheckFailed")
                .error("HEALTH_CHECK_FAILED")
                .endEvent("EndEvent_RolledBack");

        assertThat(ModelChecks.uncaughtErrors(model, DELEGATES, Set.of())).isEmpty();
    }

    @Test
    void shouldRefuseAnOutcomeSetAnotherWayOrNotARunOutcome() {
        assertThat(ModelChecks.outcomeProblems("<x expression=\"${runOutcomes.set(execution, 'DEPLOYED')}\" />"))
                .isEmpty();
        assertThat(ModelChecks.outcomeProblems("<x expression=\"${runOutcomes.set(execution, 'DEPLOYD')}\" />"))
                .containsExactly("outcome 'DEPLOYD' is not a RunOutcome");
        assertThat(ModelChecks.outcomeProblems(
                        "<x expression=\"${execution.setVariable('runOutcome', 'DEPLOYED')}\" />"))
                .hasSize(1)
                .allMatch(problem -> problem.startsWith("runOutcome set other than through runOutcomes.set"));
        assertThat(ModelChecks.outcomeProblems("<camunda:outputParameter name=\"runOutcome\">DONE"))
                .hasSize(1);
    }

    @Test
    void shouldNameEachErrorByItsCode() {
        assertThat(ModelChecks.errorId(BpmnErrors.HEALTH_CHECK_FAILED)).isEqualTo("Error_HealthCheckFailed");
    }
}

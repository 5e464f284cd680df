package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnEdge;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks every model in {@code bpmn/}: file name = process key, history time-to-live set, every flow node and
 * sequence flow drawn (Cockpit can render it), no Modeler default ids, every service task asynchronous (or a
 * compensation handler, which the engine runs inside its throw event's job), and every BPMN error code the
 * delegates throw caught by a boundary event or an error event subprocess around the task.
 */
class BpmnModelTest {

    private static final Pattern MODELER_DEFAULT = Pattern.compile(
            "^(Activity|Task|UserTask|ServiceTask|StartEvent|EndEvent|Event|Gateway|ExclusiveGateway|Flow"
                    + "|SequenceFlow|BoundaryEvent|SubProcess|IntermediateThrowEvent|Process|Association)"
                    + "_((?=[0-9a-z]*\\d)[0-9a-z]{7}|\\d+)$");

    @org.junit.jupiter.api.Test
    void modelerDefaultIdsAreRecognised() {
        assertThat("Activity_0x1y2z3").matches(MODELER_DEFAULT);
        assertThat("UserTask_1").matches(MODELER_DEFAULT);
        assertThat("EndEvent_Expired").doesNotMatch(MODELER_DEFAULT);
    }

    @TestFactory
    Stream<DynamicTest> everyModelFollowsTheRules() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(Path.of("bpmn"))) {
            files = list.filter(p -> p.toString().endsWith(".bpmn")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file)));
    }

    private void check(Path file) {
        BpmnModelInstance model = Bpmn.readModelFromFile(file.toFile());
        Bpmn.validateModel(model);
        Process process = model.getModelElementsByType(Process.class).iterator().next();
        assertThat(process.getId() + ".bpmn").isEqualTo(file.getFileName().toString());
        assertThat(process.getCamundaHistoryTimeToLiveString()).as("historyTimeToLive").isNotBlank();

        Set<String> drawn = model.getModelElementsByType(BpmnShape.class).stream()
                .map(shape -> shape.getBpmnElement().getId()).collect(Collectors.toSet());
        drawn.addAll(model.getModelElementsByType(BpmnEdge.class).stream()
                .map(edge -> edge.getBpmnElement().getId()).collect(Collectors.toSet()));
        List<BaseElement> elements = new ArrayList<>(model.getModelElementsByType(FlowNode.class));
        elements.addAll(model.getModelElementsByType(SequenceFlow.class));
        for (BaseElement element : elements) {
            assertThat(drawn).as("%s is drawn", element.getId()).contains(element.getId());
            assertThat(element.getId()).as("id is not a Modeler default").doesNotMatch(MODELER_DEFAULT);
            if (element instanceof FlowNode node && !(element instanceof SubProcess)) {
                assertThat(node.getName()).as("%s has a readable name", node.getId()).satisfiesAnyOf(
                        name -> assertThat(name).isNotBlank(),
                        name -> assertThat(node.getElementType().getTypeName()).isIn("exclusiveGateway",
                                "boundaryEvent"));
            }
        }
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            if (!task.isForCompensation()) {
                assertThat(task.isCamundaAsyncBefore()).as("%s is asyncBefore", task.getId()).isTrue();
            }
            if (!task.isForCompensation() && !inEventSubProcess(task)) {
                for (String code : BpmnErrors.ALL) {
                    assertThat(catches(model, task, code)).as("%s: error %s is caught", task.getId(), code)
                            .isTrue();
                }
            }
        }
    }

    private static boolean inEventSubProcess(ModelElementInstance element) {
        for (ModelElementInstance parent = element.getParentElement(); parent != null;
                parent = parent.getParentElement()) {
            if (parent instanceof SubProcess sub && sub.triggeredByEvent()) {
                return true;
            }
        }
        return false;
    }

    /** An error boundary event on the task, or an error start event of an event subprocess of an enclosing scope. */
    private static boolean catches(BpmnModelInstance model, Activity task, String code) {
        for (BoundaryEvent boundary : model.getModelElementsByType(BoundaryEvent.class)) {
            if (boundary.getAttachedTo() == task && catchesCode(boundary.getEventDefinitions(), code)) {
                return true;
            }
        }
        for (ModelElementInstance scope = task.getParentElement(); scope != null; scope = scope.getParentElement()) {
            Collection<SubProcess> eventSubProcesses = scope.getChildElementsByType(SubProcess.class).stream()
                    .filter(SubProcess::triggeredByEvent).toList();
            for (SubProcess sub : eventSubProcesses) {
                for (StartEvent start : sub.getChildElementsByType(StartEvent.class)) {
                    if (catchesCode(start.getEventDefinitions(), code)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean catchesCode(Collection<? extends ModelElementInstance> definitions, String code) {
        return definitions.stream().filter(ErrorEventDefinition.class::isInstance)
                .map(ErrorEventDefinition.class::cast)
                .anyMatch(d -> d.getError() == null || code.equals(d.getError().getErrorCode()));
    }
}

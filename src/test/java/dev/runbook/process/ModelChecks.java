package dev.runbook.process;

import dev.runbook.approval.ReleasePlanner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.Event;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.type.filter.AssignableTypeFilter;
import org.springframework.stereotype.Component;

/**
 * The checks {@link BpmnModelTest} runs on each model, as functions returning what is wrong (empty: nothing), so the
 * test can also prove they find what they are meant to find.
 */
final class ModelChecks {

    /** {@code ${runOutcomes.set(execution, 'DEPLOYED')}}: the one way a model may set {@code runOutcome}. */
    static final Pattern OUTCOME_LISTENER =
            Pattern.compile("\\$\\{" + RunOutcomes.BEAN + "\\.set\\(execution, '([A-Za-z_]*)'\\)}");

    private ModelChecks() {}

    /** Every {@link RunbookDelegate} bean by bean name, with the codes it declares in {@link StepErrors}. */
    static Map<String, Set<String>> declaredErrorCodes() {
        ClassPathScanningCandidateComponentProvider scan = new ClassPathScanningCandidateComponentProvider(false);
        scan.addIncludeFilter(new AssignableTypeFilter(RunbookDelegate.class));
        Map<String, Set<String>> codes = new HashMap<>();
        for (BeanDefinition definition : scan.findCandidateComponents("dev.runbook")) {
            Class<?> type;
            try {
                type = Class.forName(definition.getBeanClassName());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            Component component = AnnotationUtils.findAnnotation(type, Component.class);
            if (component != null && !component.value().isEmpty()) {
                codes.put(component.value(), RunbookDelegate.declaredErrorCodes(type));
            }
        }
        return codes;
    }

    /**
     * For each service task on the forward path (not a compensation handler, not inside an event subprocess: there a
     * failure is an incident, see {@link RunbookDelegate}), each code its delegate declares must be caught in the
     * task's scope: by an error boundary event on the task or an enclosing subprocess, or by the error start event of
     * an event subprocess of an enclosing scope, naming that error; or by a catch-all that {@code catchAlls} allows.
     *
     * @param delegates  declared codes by bean name ({@link #declaredErrorCodes()})
     * @param catchAlls  ids of error events without an error reference that the model means as "any failure"
     * @return "task: CODE is not caught" and "event: catch-all not allowed" lines
     */
    static List<String> uncaughtErrors(
            BpmnModelInstance model, Map<String, Set<String>> delegates, Set<String> catchAlls) {
        List<String> problems = new ArrayList<>();
        for (Event event : errorEvents(model)) {
            if (errorDefinition(event).getError() == null && !catchAlls.contains(event.getId())) {
                problems.add(event.getId() + ": catch-all error event not allowed (name the error it catches)");
            }
        }
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            if (task.isForCompensation() || inEventSubProcess(task)) {
                continue;
            }
            Optional<String> bean = ReleasePlanner.delegateBean(task);
            if (bean.isEmpty() || !delegates.containsKey(bean.get())) {
                problems.add(task.getId() + ": delegate expression " + task.getCamundaDelegateExpression()
                        + " names no RunbookDelegate bean");
                continue;
            }
            for (String code : delegates.get(bean.get())) {
                if (!catches(model, task, code)) {
                    problems.add(task.getId() + ": " + code + " is not caught");
                }
            }
        }
        return problems;
    }

    /** Every {@code <bpmn:error>} of a model is a {@link BpmnErrors} code with the id Error_PascalCase. */
    static List<String> undeclaredErrors(BpmnModelInstance model) {
        List<String> problems = new ArrayList<>();
        for (org.camunda.bpm.model.bpmn.instance.Error error :
                model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.Error.class)) {
            String code = error.getErrorCode();
            if (!BpmnErrors.ALL.contains(code)) {
                problems.add(error.getId() + ": code " + code + " is not in BpmnErrors");
            } else if (!error.getId().equals(errorId(code))) {
                problems.add(error.getId() + ": the error of " + code + " must have id " + errorId(code));
            }
        }
        return problems;
    }

    /** {@code HEALTH_CHECK_FAILED} -> {@code Error_HealthCheckFailed}. */
    static String errorId(String code) {
        StringBuilder id = new StringBuilder("Error_");
        for (String word : code.toLowerCase().split("_")) {
            id.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return id.toString();
    }

    /**
     * {@code runOutcome} appears in the model only inside {@link #OUTCOME_LISTENER} expressions whose value is a
     * {@link RunOutcome}: no {@code execution.setVariable('runOutcome', ...)}, output parameter or script sets it.
     */
    static List<String> outcomeProblems(String xml) {
        List<String> problems = new ArrayList<>();
        Matcher listener = OUTCOME_LISTENER.matcher(xml);
        StringBuilder rest = new StringBuilder();
        while (listener.find()) {
            if (java.util.Arrays.stream(RunOutcome.values())
                    .noneMatch(o -> o.name().equals(listener.group(1)))) {
                problems.add("outcome '" + listener.group(1) + "' is not a RunOutcome");
            }
            listener.appendReplacement(rest, "");
        }
        listener.appendTail(rest);
        Matcher other = Pattern.compile(".{0,60}" + ProcessVariables.RUN_OUTCOME + ".{0,60}")
                .matcher(rest);
        while (other.find()) {
            problems.add("runOutcome set other than through " + RunOutcomes.BEAN + ".set: "
                    + other.group().trim());
        }
        return problems;
    }

    /**
     * Each flow node (not the start event) by id: type, name, delegate expression, asyncBefore, compensation, the
     * activity a boundary event is attached to, the error it catches, and the execution listeners' expressions.
     */
    static Map<String, String> describeNodes(BpmnModelInstance model) {
        Map<String, String> nodes = new java.util.TreeMap<>();
        for (org.camunda.bpm.model.bpmn.instance.FlowNode node :
                model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.FlowNode.class)) {
            if (node instanceof StartEvent && !(node.getParentElement() instanceof SubProcess)) {
                continue;
            }
            StringBuilder text = new StringBuilder(node.getElementType().getTypeName())
                    .append(" '")
                    .append(node.getName())
                    .append("'");
            if (node instanceof ServiceTask task) {
                text.append(" ")
                        .append(task.getCamundaDelegateExpression())
                        .append(" async=")
                        .append(task.isCamundaAsyncBefore())
                        .append(" compensation=")
                        .append(task.isForCompensation());
            }
            if (node instanceof org.camunda.bpm.model.bpmn.instance.UserTask task) {
                text.append(" groups=").append(task.getCamundaCandidateGroups());
            }
            if (node instanceof BoundaryEvent boundary) {
                text.append(" on ").append(boundary.getAttachedTo().getId());
            }
            if (node instanceof Event event
                    && (event instanceof BoundaryEvent || event instanceof StartEvent)
                    && errorDefinition(event) != null) {
                text.append(" error ")
                        .append(
                                errorDefinition(event).getError() == null
                                        ? "*"
                                        : errorDefinition(event).getError().getErrorCode());
            }
            node.getChildElementsByType(org.camunda.bpm.model.bpmn.instance.ExtensionElements.class)
                    .forEach(extensions -> extensions
                            .getElementsQuery()
                            .filterByType(org.camunda.bpm.model.bpmn.instance.camunda.CamundaExecutionListener.class)
                            .list()
                            .forEach(l -> text.append(" listener ")
                                    .append(l.getCamundaEvent())
                                    .append(" ")
                                    .append(
                                            l.getCamundaExpression() != null
                                                    ? l.getCamundaExpression()
                                                    : l.getCamundaDelegateExpression())));
            nodes.put(node.getId(), text.toString());
        }
        return nodes;
    }

    /**
     * The sequence flows as "source -> target [condition]", where a flow into a node matching {@code skipped} is
     * followed on through such nodes to the first node that does not match (so deploy's database steps between two
     * steps count as one flow between them). Flows out of skipped nodes and of the start event are left out.
     */
    static Set<String> flowsSkipping(BpmnModelInstance model, Pattern skipped) {
        Set<String> flows = new java.util.TreeSet<>();
        for (org.camunda.bpm.model.bpmn.instance.SequenceFlow flow :
                model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.SequenceFlow.class)) {
            org.camunda.bpm.model.bpmn.instance.FlowNode source = flow.getSource();
            if (skipped.matcher(source.getId()).matches()
                    || source instanceof StartEvent && !(source.getParentElement() instanceof SubProcess)) {
                continue;
            }
            String condition = flow.getConditionExpression() == null
                    ? ""
                    : " [" + flow.getConditionExpression().getTextContent().trim() + "]";
            for (String target : targetsSkipping(flow.getTarget(), skipped, new java.util.HashSet<>())) {
                flows.add(source.getId() + " -> " + target + condition);
            }
        }
        return flows;
    }

    private static Set<String> targetsSkipping(
            org.camunda.bpm.model.bpmn.instance.FlowNode node, Pattern skipped, Set<String> seen) {
        if (!skipped.matcher(node.getId()).matches()) {
            return Set.of(node.getId());
        }
        Set<String> targets = new java.util.TreeSet<>();
        if (seen.add(node.getId())) {
            node.getOutgoing().forEach(out -> targets.addAll(targetsSkipping(out.getTarget(), skipped, seen)));
        }
        return targets;
    }

    /** Ids of the model's error events that name no error. */
    static Set<String> catchAlls(BpmnModelInstance model) {
        return errorEvents(model).stream()
                .filter(e -> errorDefinition(e).getError() == null)
                .map(Event::getId)
                .collect(java.util.stream.Collectors.toSet());
    }

    private static List<Event> errorEvents(BpmnModelInstance model) {
        List<Event> events = new ArrayList<>();
        model.getModelElementsByType(BoundaryEvent.class).stream()
                .filter(e -> errorDefinition(e) != null)
                .forEach(events::add);
        model.getModelElementsByType(StartEvent.class).stream()
                .filter(e -> errorDefinition(e) != null)
                .forEach(events::add);
        return events;
    }

    private static ErrorEventDefinition errorDefinition(Event event) {
        Collection<? extends ModelElementInstance> definitions = event instanceof BoundaryEvent boundary
                ? boundary.getEventDefinitions()
                : ((StartEvent) event).getEventDefinitions();
        return definitions.stream()
                .filter(ErrorEventDefinition.class::isInstance)
                .map(ErrorEventDefinition.class::cast)
                .findFirst()
                .orElse(null);
    }

    private static boolean inEventSubProcess(ModelElementInstance element) {
        for (ModelElementInstance parent = element.getParentElement();
                parent != null;
                parent = parent.getParentElement()) {
            if (parent instanceof SubProcess sub && sub.triggeredByEvent()) {
                return true;
            }
        }
        return false;
    }

    /** Boundary events on the task or an enclosing subprocess; error start events of enclosing event subprocesses. */
    private static boolean catches(BpmnModelInstance model, Activity task, String code) {
        for (BoundaryEvent boundary : model.getModelElementsByType(BoundaryEvent.class)) {
            if (encloses(boundary.getAttachedTo(), task) && catchesCode(boundary, code)) {
                return true;
            }
        }
        for (ModelElementInstance scope = task.getParentElement(); scope != null; scope = scope.getParentElement()) {
            for (SubProcess sub : scope.getChildElementsByType(SubProcess.class)) {
                if (sub.triggeredByEvent()
                        && sub.getChildElementsByType(StartEvent.class).stream()
                                .anyMatch(start -> catchesCode(start, code))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean encloses(Activity activity, Activity task) {
        for (ModelElementInstance e = task; e != null; e = e.getParentElement()) {
            if (e == activity) {
                return true;
            }
        }
        return false;
    }

    /** A catch-all here was already checked against the allowed list; it catches every code. */
    private static boolean catchesCode(Event event, String code) {
        ErrorEventDefinition definition = errorDefinition(event);
        return definition != null
                && (definition.getError() == null
                        || code.equals(definition.getError().getErrorCode()));
    }
}

package dev.runbook.approval;

import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.Redactor;
import dev.runbook.process.HostBound;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.StepPreview;
import dev.runbook.process.StepPreview.Preview;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.MultiInstanceLoopCharacteristics;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.springframework.stereotype.Component;

/**
 * The plan shown with an approval: the steps a run will execute after the current one, in order, with the exact
 * commands each will run. The steps and their order come from the process model: every service task reachable from
 * the current step along sequence flows (not the undo path: compensation handlers and event subprocesses). What a
 * step will do comes from the step itself: the {@link StepPreview} bean its delegate expression names, which builds
 * its commands with the same client methods it runs them with. A step without a preview is still listed, with a
 * note, so a step added to a model never goes missing from the plan.
 */
@Component
public class ReleasePlanner {

    static final String NO_PREVIEW = "no command preview for this step";
    private static final Pattern BEAN_EXPRESSION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final Map<String, StepPreview> previews;
    private final Redactor redactor;

    /** @param previews the steps that preview themselves, by bean name (Spring injects every {@link StepPreview}) */
    public ReleasePlanner(Map<String, StepPreview> previews, Redactor redactor) {
        this.previews = Map.copyOf(previews);
        this.redactor = redactor;
    }

    /**
     * One step of the plan.
     *
     * @param activityId BPMN element id ({@code Task_GitCheckout} ...)
     * @param name       element name
     * @param commands   the commands it runs, in order, redacted (empty for steps that only copy files or write
     *                   records)
     * @param note       what else it does, or why no command is shown
     */
    public record PlannedStep(String activityId, String name, List<PlannedCommand> commands, String note) {}

    /** The steps after the one that runs now ({@code step}) that will run for this release; none outside a run. */
    public List<PlannedStep> planAfter(ProcessVariables step, Release release) {
        return step.currentElement() instanceof FlowNode node ? plan(node, release) : List.of();
    }

    /** The steps after {@code current} in the model that will run for this release, with their commands. */
    public List<PlannedStep> plan(FlowNode current, Release release) {
        List<PlannedStep> plan = new ArrayList<>();
        for (ServiceTask task : stepsAfter(current)) {
            StepPreview step = previewOf(task);
            String where = release == null || release.target() == null ? null : onHosts(task, release.target());
            if (step == null) {
                plan.add(new PlannedStep(task.getId(), task.getName(), List.of(), joined(NO_PREVIEW, where)));
                continue;
            }
            Optional<Preview> preview = step.preview(release);
            preview.ifPresent(p -> plan.add(new PlannedStep(
                    task.getId(),
                    task.getName(),
                    p.commands().stream().map(this::redacted).toList(),
                    joined(p.note(), where))));
        }
        return plan;
    }

    /**
     * Where a step of a per-host part runs for a target with hosts: on each host in turn, a batch of hosts at a time,
     * or on every host at once (the multi-instance subprocess around it); null for a step that runs once, and for a
     * target on the platform's own machine.
     */
    static String onHosts(ServiceTask task, Target target) {
        if (target.hosts().isEmpty()) {
            return null;
        }
        String hosts = String.join(", ", target.hosts());
        for (ModelElementInstance parent = task.getParentElement();
                parent instanceof SubProcess sub;
                parent = sub.getParentElement()) {
            if (sub.getLoopCharacteristics() instanceof MultiInstanceLoopCharacteristics loop) {
                boolean batch = String.valueOf(loop.getCamundaCollection()).contains("hostsOf(");
                if (batch && target.rollout().batch() > 1) {
                    return "on each host, " + target.rollout().batch() + " at a time (rollout.batch): " + hosts;
                }
                return batch || loop.isSequential()
                        ? "on each host in turn: " + hosts
                        : "on every host at once: " + hosts;
            }
        }
        return null;
    }

    private static String joined(String note, String where) {
        if (where == null) {
            return note;
        }
        return note == null || note.isBlank() ? where : note + "; " + where;
    }

    /** The bean named by the task's delegate expression ({@code ${gitCheckoutDelegate}}), when it previews. */
    private StepPreview previewOf(ServiceTask task) {
        return delegateBean(task).map(previews::get).orElse(null);
    }

    /**
     * The bean a service task's delegate expression names ({@code ${gitCheckoutDelegate}} gives
     * {@code gitCheckoutDelegate}), or for a host-bound step (an external task) the bean its {@code step} property
     * names; empty for any other expression or none. {@code BpmnModelTest} holds every model to this form.
     */
    public static Optional<String> delegateBean(ServiceTask task) {
        if ("external".equals(task.getCamundaType())) {
            return HostBound.step(task);
        }
        String expression = task.getCamundaDelegateExpression();
        Matcher bean = BEAN_EXPRESSION.matcher(expression == null ? "" : expression);
        return bean.matches() ? Optional.of(bean.group(1)) : Optional.empty();
    }

    private PlannedCommand redacted(PlannedCommand command) {
        return new PlannedCommand(redactor.redact(command.command()), command.dir());
    }

    /** The plan on one line per step, numbered, for Tasklist's form. */
    public static String text(List<PlannedStep> plan) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            PlannedStep step = plan.get(i);
            String commands = step.commands().stream()
                    .map(c -> c.dir() == null ? c.command() : c.command() + " [in " + c.dir() + "]")
                    .collect(Collectors.joining("; "));
            String note = step.note() == null ? "" : (commands.isEmpty() ? "" : " — ") + step.note();
            lines.add((i + 1) + ") " + step.name() + ": " + commands + note);
        }
        return String.join("  ", lines);
    }

    /** Service tasks reachable from {@code current} along sequence flows, in flow order (reverse post-order). */
    static List<ServiceTask> stepsAfter(FlowNode current) {
        List<ServiceTask> postOrder = new ArrayList<>();
        visit(current, current, new HashSet<>(), postOrder);
        Collections.reverse(postOrder);
        return postOrder;
    }

    private static void visit(FlowNode node, FlowNode start, Set<FlowNode> seen, List<ServiceTask> postOrder) {
        seen.add(node);
        for (SequenceFlow flow : node.getOutgoing()) {
            if (!seen.contains(flow.getTarget())) {
                visit(flow.getTarget(), start, seen, postOrder);
            }
        }
        if (node instanceof SubProcess part && !part.triggeredByEvent()) {
            // a per-host part: its steps come before those after it (post-order, reversed at the end)
            for (StartEvent inner : part.getChildElementsByType(StartEvent.class)) {
                if (!seen.contains(inner)) {
                    visit(inner, start, seen, postOrder);
                }
            }
        }
        if (node != start && node instanceof ServiceTask task && !task.isForCompensation()) {
            postOrder.add(task);
        }
    }
}

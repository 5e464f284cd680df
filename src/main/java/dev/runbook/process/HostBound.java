package dev.runbook.process;

import dev.runbook.config.HostsProperties;
import java.util.Optional;
import org.camunda.bpm.model.bpmn.instance.ExtensionElements;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;

/**
 * Host-bound steps in the models: service tasks of {@code camunda:type="external"} on the topic of the host they are
 * for ({@link #topic}), naming the step they run (a {@link RunbookDelegate} bean) in their {@code step} property. A
 * worker of that host (the in-process one for {@link #LOCAL}) fetches them, runs the step and completes the task.
 */
public final class HostBound {

    /** The platform's own machine: the host of every target that names no hosts. */
    public static final String LOCAL = HostsProperties.LOCAL;

    /** The extension property that names the step's bean. */
    public static final String STEP_PROPERTY = "step";

    /**
     * The extension property {@code undo=true} of a host-bound step in an undo path: an agent has no model to read
     * that from, and an expected failure of an undo is an incident, not a BPMN error (see {@link RunbookDelegate}).
     */
    public static final String UNDO_PROPERTY = "undo";

    /**
     * The extension property {@code undoes=<activity id>} of a step of a per-host undo loop that undoes that step of
     * the same host (switch back, discard): the run page marks it as it marks a compensation handler.
     */
    public static final String UNDOES_PROPERTY = "undoes";

    /**
     * The topic of a host-bound step in the models: the host the run's target names, or the {@code host} variable of
     * a rolling run's per-host instance (bean {@code hostTopics}).
     */
    public static final String TOPIC_EXPRESSION = "${hostTopics.of(execution)}";

    /** The variable naming the host a per-host part of a run is for. */
    public static final String HOST_VARIABLE = "host";

    private static final String TOPIC_PREFIX = "runbook.host.";

    private HostBound() {}

    /** The host of a topic of {@link #topic}; empty for any other topic. */
    public static Optional<String> hostOf(String topic) {
        return topic != null && topic.startsWith(TOPIC_PREFIX)
                ? Optional.of(topic.substring(TOPIC_PREFIX.length()))
                : Optional.empty();
    }

    /**
     * The name of a step's log file (without {@code .log}) under the run's directory: the activity id, with
     * {@code @<host>} for a step a remote host ran, so the hosts of a rolling run keep a log each.
     */
    public static String logName(String activityId, String host) {
        return host == null || host.isBlank() || LOCAL.equals(host) ? activityId : activityId + "@" + host;
    }

    /** The external task topic of a host's steps. */
    public static String topic(String host) {
        return TOPIC_PREFIX + host;
    }

    /** The step (bean name) an external service task runs; empty when it names none. */
    public static Optional<String> step(ServiceTask task) {
        return property(task, STEP_PROPERTY);
    }

    /** A non-blank extension property of a service task. */
    public static Optional<String> property(ServiceTask task, String name) {
        ExtensionElements extensions = task.getExtensionElements();
        if (extensions == null) {
            return Optional.empty();
        }
        return extensions.getElementsQuery().filterByType(CamundaProperties.class).list().stream()
                .flatMap(properties -> properties.getCamundaProperties().stream())
                .filter(property -> name.equals(property.getCamundaName()))
                .map(CamundaProperty::getCamundaValue)
                .filter(value -> value != null && !value.isBlank())
                .findFirst();
    }
}

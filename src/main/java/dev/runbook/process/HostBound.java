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

    private static final String TOPIC_PREFIX = "runbook.host.";

    private HostBound() {}

    /** The external task topic of a host's steps. */
    public static String topic(String host) {
        return TOPIC_PREFIX + host;
    }

    /** The step (bean name) an external service task runs; empty when it names none. */
    public static Optional<String> step(ServiceTask task) {
        ExtensionElements extensions = task.getExtensionElements();
        if (extensions == null) {
            return Optional.empty();
        }
        return extensions.getElementsQuery().filterByType(CamundaProperties.class).list().stream()
                .flatMap(properties -> properties.getCamundaProperties().stream())
                .filter(property -> STEP_PROPERTY.equals(property.getCamundaName()))
                .map(CamundaProperty::getCamundaValue)
                .filter(value -> value != null && !value.isBlank())
                .findFirst();
    }
}

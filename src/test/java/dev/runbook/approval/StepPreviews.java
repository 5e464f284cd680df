package dev.runbook.approval;

import static org.mockito.Mockito.mock;

import dev.runbook.process.StepPreview;
import java.lang.reflect.Constructor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.type.filter.AssignableTypeFilter;
import org.springframework.stereotype.Component;

/**
 * Every {@link StepPreview} bean of the platform without Spring or an engine: the classes Spring's component scan
 * would find, keyed by their bean name, each built by its constructor from the given real collaborators (the clients
 * whose command builders the previews call) and Mockito mocks for the rest (stores, repositories, the engine), which
 * a preview must not use.
 */
final class StepPreviews {

    private StepPreviews() {}

    static Map<String, StepPreview> build(List<Object> collaborators) {
        ClassPathScanningCandidateComponentProvider scan = new ClassPathScanningCandidateComponentProvider(false);
        scan.addIncludeFilter(new AssignableTypeFilter(StepPreview.class));
        Map<String, StepPreview> previews = new LinkedHashMap<>();
        for (BeanDefinition definition : scan.findCandidateComponents("dev.runbook")) {
            Class<?> type = load(definition.getBeanClassName());
            Component component = AnnotationUtils.findAnnotation(type, Component.class);
            if (component == null || component.value().isEmpty()) {
                throw new IllegalStateException(type + " previews a step but has no bean name");
            }
            previews.put(component.value(), (StepPreview) construct(type, collaborators));
        }
        return previews;
    }

    private static Object construct(Class<?> type, List<Object> collaborators) {
        Constructor<?> constructor = type.getDeclaredConstructors()[0];
        constructor.setAccessible(true);
        Object[] arguments = new Object[constructor.getParameterCount()];
        Class<?>[] parameters = constructor.getParameterTypes();
        for (int i = 0; i < parameters.length; i++) {
            Class<?> parameter = parameters[i];
            arguments[i] = collaborators.stream()
                    .filter(parameter::isInstance)
                    .findFirst()
                    .orElseGet(() -> mock(parameter));
        }
        try {
            return constructor.newInstance(arguments);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type, e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.runbook.config;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The configured targets, checked once at start-up: a target without a root that can be created, whose name is not a plain
 * identifier, or whose component lacks a PM2 app or health URL stops the platform with a message naming the property.
 * {@link TargetPreparer} beans (the demo profile's) run first.
 */
@Component
public class TargetRegistry {

    /** Target, component and PM2 app names: letters, digits, '.', '_' and '-', starting with a letter or digit. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final RunbookProperties properties;

    public TargetRegistry(RunbookProperties properties, List<TargetPreparer> preparers) {
        this.properties = properties;
        preparers.forEach(preparer -> preparer.prepare(properties));
        properties.targets().forEach(TargetRegistry::check);
        checkEnvironments(properties.targets());
    }

    /**
     * Each target's {@code environment}: names made like target names, one target per environment of an application,
     * and a {@code promote-from} that names another environment of the same application.
     */
    private static void checkEnvironments(Map<String, Target> targets) {
        Map<String, String> seen = new java.util.HashMap<>();
        targets.forEach((name, target) -> {
            RunbookProperties.Environment environment = target.environment();
            if (environment == null) {
                return;
            }
            String prefix = "runbook.targets." + name + ".environment";
            if (!NAME.matcher(environment.application()).matches()
                    || !NAME.matcher(environment.name()).matches()) {
                throw new IllegalStateException(prefix + ": application and name must match " + NAME.pattern());
            }
            String other = seen.put(environment.application() + "/" + environment.name(), name);
            if (other != null) {
                throw new IllegalStateException(prefix + ": targets " + other + " and " + name + " are both "
                        + environment.name() + " of " + environment.application());
            }
        });
        targets.forEach((name, target) -> {
            RunbookProperties.Environment environment = target.environment();
            if (environment == null || environment.promoteFrom() == null) {
                return;
            }
            if (environment.promoteFrom().equals(environment.name())
                    || !seen.containsKey(environment.application() + "/" + environment.promoteFrom())) {
                throw new IllegalStateException("runbook.targets." + name + ".environment.promote-from: "
                        + environment.promoteFrom() + " is not another environment of " + environment.application());
            }
        });
    }

    /**
     * The target whose verified release {@code target} is promoted from: the target of the same application whose
     * environment is {@code target}'s {@code promote-from}; empty when it takes no promotions.
     */
    public Optional<String> promotionSource(String target) {
        RunbookProperties.Environment environment = get(target).environment();
        if (environment == null || environment.promoteFrom() == null) {
            return Optional.empty();
        }
        return properties.targets().entrySet().stream()
                .filter(other -> other.getValue().environment() != null
                        && other.getValue().environment().application().equals(environment.application())
                        && other.getValue().environment().name().equals(environment.promoteFrom()))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    private static void check(String name, Target target) {
        String prefix = "runbook.targets." + name;
        if (!NAME.matcher(name).matches()) {
            throw new IllegalStateException(prefix + ": target name must match " + NAME.pattern());
        }
        if (target.root() == null) {
            throw new IllegalStateException(prefix + ".root: must be set (the folder that holds releases/, current "
                    + "and shared/; see docs/configuration.md)");
        }
        try {
            Files.createDirectories(target.root());
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException(prefix + ".root: cannot create " + target.root() + ": " + e.getMessage());
        }
        target.components().forEach((componentName, component) -> {
            String componentPrefix = prefix + ".components." + componentName;
            if (!NAME.matcher(componentName).matches() || "all".equals(componentName)) {
                throw new IllegalStateException(
                        componentPrefix + ": component name must match " + NAME.pattern() + " and not be 'all'");
            }
            if (component.healthUrl() == null) {
                throw new IllegalStateException(componentPrefix + ".health-url: must be set");
            }
            if (!NAME.matcher(component.pm2App()).matches()) {
                throw new IllegalStateException(componentPrefix + ".pm2-app: must match " + NAME.pattern());
            }
            for (String dependency : component.dependsOn()) {
                if (!target.components().containsKey(dependency) || dependency.equals(componentName)) {
                    throw new IllegalStateException(componentPrefix + ".depends-on: '" + dependency
                            + "' is not another component of the target; it has "
                            + target.components().keySet());
                }
            }
        });
        try {
            reloadOrder(target.components());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + ".components: " + e.getMessage());
        }
    }

    /**
     * The order in which a run reloads {@code selected} components: each after the components it depends on
     * ({@code depends-on}) that are selected too, otherwise in the order given. Throws
     * {@link IllegalArgumentException} naming a cycle.
     */
    public static List<String> reloadOrder(Map<String, ComponentSpec> selected) {
        List<String> order = new ArrayList<>();
        for (String name : selected.keySet()) {
            visit(name, selected, order, new ArrayList<>());
        }
        return order;
    }

    private static void visit(String name, Map<String, ComponentSpec> selected, List<String> order, List<String> path) {
        if (order.contains(name)) {
            return;
        }
        if (path.contains(name)) {
            path.add(name);
            throw new IllegalArgumentException("depends-on forms a cycle: " + String.join(" -> ", path));
        }
        path.add(name);
        for (String dependency : selected.get(name).dependsOn()) {
            if (selected.containsKey(dependency)) {
                visit(dependency, selected, order, path);
            }
        }
        path.remove(path.size() - 1);
        order.add(name);
    }

    /** All targets by name, in configuration order. */
    public Map<String, Target> all() {
        return new LinkedHashMap<>(properties.targets());
    }

    /** The target of that name, if configured. */
    public Optional<Target> find(String name) {
        return Optional.ofNullable(name).map(properties.targets()::get);
    }

    /** The target of that name; {@link UnknownTargetException} when none is configured. */
    public Target get(String name) {
        return find(name).orElseThrow(() -> new UnknownTargetException(name));
    }

    /**
     * The components a run works on: {@code all} (or blank) means every component of the target, otherwise a
     * comma-separated list of component names. Throws {@link IllegalArgumentException} naming an unknown component.
     */
    public static Map<String, ComponentSpec> select(Target target, String components) {
        if (components == null || components.isBlank() || "all".equals(components.trim())) {
            return new LinkedHashMap<>(target.components());
        }
        Map<String, ComponentSpec> selected = new LinkedHashMap<>();
        for (String name : List.of(components.split(",", -1))) {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException(
                        "empty component name in '" + components + "'; name components " + "separated by commas, e.g. "
                                + String.join(",", target.components().keySet()) + ", or 'all'");
            }
            ComponentSpec component = target.components().get(trimmed);
            if (component == null) {
                throw new IllegalArgumentException("unknown component '" + trimmed + "'; the target has "
                        + target.components().keySet() + " or 'all'");
            }
            selected.put(trimmed, component);
        }
        return selected;
    }

    /** Raised when a request or a run names a target that is not configured. */
    public static class UnknownTargetException extends RuntimeException {
        public UnknownTargetException(String name) {
            super("no target named '" + name + "' is configured");
        }
    }
}

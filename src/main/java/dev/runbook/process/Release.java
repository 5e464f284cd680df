package dev.runbook.process;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a release run changes, as known before its approval: the target, the selected components, the serving and the
 * new commit, and the release directory: the one a deploy or update makes, or the one a rollback switches to.
 */
public record Release(
        String targetName,
        Target target,
        Map<String, ComponentSpec> components,
        String fromCommit,
        String toCommit,
        String releaseId) {

    /** The release's directory, {@code releases/<new>} when its id is not known yet. */
    public Path directory() {
        return releaseId == null
                ? target.layout().releases().resolve("<new>")
                : target.layout().release(releaseId);
    }

    /** A component's directory in the release. */
    public Path componentDir(ComponentSpec component) {
        return directory().resolve(component.dir()).normalize();
    }

    /** True when a selected component has a {@code migrate} command (deploy's database steps run). */
    public boolean migrates() {
        return components.values().stream().anyMatch(c -> !c.migrate().isEmpty());
    }
}

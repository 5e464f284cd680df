package dev.runbook.process;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import java.util.Map;

/**
 * What a release run changes, as known before its approval: the target, the selected components, the serving and the
 * new commit, and the backup a rollback restores (null for deploy and update).
 */
public record Release(
        String targetName,
        Target target,
        Map<String, ComponentSpec> components,
        String fromCommit,
        String toCommit,
        String backupId) {

    /** True when a selected component has a {@code migrate} command (deploy's database steps run). */
    public boolean migrates() {
        return components.values().stream().anyMatch(c -> !c.migrate().isEmpty());
    }
}

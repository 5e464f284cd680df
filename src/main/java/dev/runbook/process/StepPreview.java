package dev.runbook.process;

import java.util.List;
import java.util.Optional;

/**
 * Implemented by a step's delegate that can say, before a run, what it will do for a release: the commands it will
 * run, built by the same client methods its {@code run} calls, and a note on what else it does. The approval's plan
 * asks the bean named by each service task's delegate expression, so a new step is one place to edit.
 */
public interface StepPreview {

    /**
     * What this step will do for {@code release}, or empty when it will not run for it (the model's gateways skip it,
     * e.g. a migration when no selected component has a migrate command). Commands are not yet redacted.
     */
    Optional<Preview> preview(Release release);

    /**
     * @param commands the commands the step runs, in order (empty for steps that only copy files or write records)
     * @param note     what else it does, or null
     */
    record Preview(List<PlannedCommand> commands, String note) {

        public Preview {
            commands = List.copyOf(commands);
        }

        /** A step that runs no command of its own, described by {@code note}. */
        public static Optional<Preview> note(String note) {
            return Optional.of(new Preview(List.of(), note));
        }
    }
}

package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.springframework.stereotype.Component;

/**
 * Compensation handler of Task_SwitchRelease: points {@code current} back at {@code previousReleaseId}; when nothing
 * served before (a target's first release), removes {@code current}. The reload of the previous release follows.
 */
@Component("switchBackDelegate")
class SwitchBackDelegate extends RunbookDelegate {

    SwitchBackDelegate(TargetRegistry targets, Redactor redactor) {
        super(targets, redactor);
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        ReleaseLayout layout = targets.get(vars.target()).layout();
        String previous = vars.previousReleaseId();
        if (previous != null) {
            layout.switchTo(previous);
            log.line("switched " + layout.current() + " back to release " + previous);
            return;
        }
        try {
            if (Files.isSymbolicLink(layout.current())) {
                Files.delete(layout.current());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + layout.current(), e);
        }
        log.line("no release served before this run: " + layout.current() + " removed");
    }
}

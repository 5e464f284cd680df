package dev.runbook.run;

import dev.runbook.process.ProcessVariables;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

/**
 * Starts runs. A run that changes a target (deploy, update, rollback, restart, db-restore, service-control) is
 * refused with {@link TargetBusyException} while another such run of the same target has not ended: the engine
 * takes the target's {@link TargetLock} in the transaction that starts the process instance
 * ({@link TargetLockEnginePlugin}), so the same holds for starts over {@code /engine-rest} and Cockpit. The business
 * key is {@code <target>:<description>}; the initiator is the engine's authenticated user.
 */
@Component
public class RunLauncher {

    /** Process keys whose runs change a target and so exclude each other per target. */
    public static final Set<String> CHANGING = Set.of("deploy", "update", "rollback", "restart", "db-restore",
            "service-control");

    private final RuntimeService runtime;

    public RunLauncher(RuntimeService runtime) {
        this.runtime = runtime;
    }

    /**
     * Starts process {@code processKey} for {@code target}.
     *
     * @param description short text for the business key, e.g. {@code deploy v2}
     * @param variables   process variables besides {@code target}
     * @return the run id (process instance id)
     * @throws TargetBusyException when a changing run of the target is still going (or being started)
     */
    public String start(String processKey, String target, String description, Map<String, Object> variables) {
        Map<String, Object> all = new HashMap<>(variables);
        all.put(ProcessVariables.TARGET, target);
        return runtime.startProcessInstanceByKey(processKey, target + ":" + description, all).getId();
    }

    /**
     * Another changing run holds the target. A {@link BadUserRequestException}, so the engine logs the refused start
     * as a caller's mistake (debug), not as an error with a stack trace.
     */
    public static class TargetBusyException extends BadUserRequestException {
        private final String runId;

        /** @param runId the run holding the target; null while it is being started by another request */
        public TargetBusyException(String target, String runId) {
            super("target '" + target + "' is busy: " + (runId == null ? "another run is being started on it"
                    : "run " + runId + " is changing it") + "; wait until it ends");
            this.runId = runId;
        }

        /** The run holding the target, or null when it is being started by another request. */
        public String runId() {
            return runId;
        }
    }
}

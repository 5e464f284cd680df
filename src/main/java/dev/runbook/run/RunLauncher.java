package dev.runbook.run;

import dev.runbook.process.ProcessVariables;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.springframework.stereotype.Component;

/**
 * Starts runs. A run that changes a target (deploy, update, rollback, restart, db-restore, service-control) is
 * refused with {@link TargetBusyException} while another such run of the same target has not ended; the running
 * process instances are the lock, so it survives restarts and is released when the run ends or is cancelled.
 * The business key is {@code <target>:<description>}; the initiator is the engine's authenticated user.
 */
@Component
public class RunLauncher {

    /** Process keys whose runs change a target and so exclude each other per target. */
    public static final Set<String> CHANGING = Set.of("deploy", "update", "rollback", "restart", "db-restore",
            "service-control");

    private final RuntimeService runtime;
    private final Map<String, Object> targetLocks = new ConcurrentHashMap<>();

    public RunLauncher(RuntimeService runtime) {
        this.runtime = runtime;
    }

    /**
     * Starts process {@code processKey} for {@code target}.
     *
     * @param description short text for the business key, e.g. {@code deploy v2}
     * @param variables   process variables besides {@code target}
     * @return the run id (process instance id)
     * @throws TargetBusyException when a changing run of the target is still going
     */
    public String start(String processKey, String target, String description, Map<String, Object> variables) {
        Map<String, Object> all = new HashMap<>(variables);
        all.put(ProcessVariables.TARGET, target);
        String businessKey = target + ":" + description;
        if (!CHANGING.contains(processKey)) {
            return runtime.startProcessInstanceByKey(processKey, businessKey, all).getId();
        }
        synchronized (targetLocks.computeIfAbsent(target, t -> new Object())) {
            List<ProcessInstance> holding = runtime.createProcessInstanceQuery()
                    .processDefinitionKeyIn(CHANGING.toArray(String[]::new))
                    .variableValueEquals(ProcessVariables.TARGET, target).list();
            if (!holding.isEmpty()) {
                throw new TargetBusyException(target, holding.get(0).getId());
            }
            return runtime.startProcessInstanceByKey(processKey, businessKey, all).getId();
        }
    }

    /** Another changing run holds the target. */
    public static class TargetBusyException extends RuntimeException {
        private final String runId;

        public TargetBusyException(String target, String runId) {
            super("target '" + target + "' is busy: run " + runId + " is changing it; wait until it ends");
            this.runId = runId;
        }

        public String runId() {
            return runId;
        }
    }
}

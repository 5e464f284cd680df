package dev.runbook.run;

import dev.runbook.audit.Refusal;
import dev.runbook.config.TargetRegistry;
import dev.runbook.host.HostContacts;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.springframework.stereotype.Component;

/**
 * Starts runs. A run that changes a target (deploy, update, rollback, restart, db-restore, service-control) is
 * refused with {@link TargetBusyException} while another such run of the same target holds it: the engine takes the
 * target's {@link TargetLock} in the transaction that starts the process instance ({@link TargetLockEnginePlugin}),
 * so the same holds for starts over {@code /engine-rest} and Cockpit. A run that waits for an approval first holds
 * nothing until the decision; its first changing step takes the target, waiting while another run holds it. The business
 * key is {@code <target>:<description>}; the initiator is the engine's authenticated user.
 */
@Component
public class RunLauncher {

    /** Process keys whose runs change a target and so exclude each other per target. */
    public static final Set<String> CHANGING =
            Set.of("deploy", "update", "rollback", "restart", "db-restore", "service-control");

    /**
     * Process keys whose runs change nothing but may not start while a changing run holds the target: a release
     * snapshot taken while a deploy is between checkout and reload would pair the new commit with the old artifacts.
     * They do not exclude each other.
     */
    public static final Set<String> WAITING_FOR_CHANGES = Set.of("backup");

    /** How long a refused start waits for a concurrent start that took the target to commit, to name its run. */
    private static final Duration HOLDER_WAIT = Duration.ofSeconds(5);

    private final RuntimeService runtime;
    private final TaskService tasks;
    private final TargetLock lock;
    private final CommandExecutor commands;
    private final TargetRegistry targets;
    private final HostContacts hosts;

    public RunLauncher(
            RuntimeService runtime,
            TaskService tasks,
            TargetLock lock,
            ProcessEngine engine,
            TargetRegistry targets,
            HostContacts hosts) {
        this.runtime = runtime;
        this.tasks = tasks;
        this.lock = lock;
        this.targets = targets;
        this.hosts = hosts;
        this.commands = ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
                .getCommandExecutorTxRequired();
    }

    /**
     * Ends run {@code runId}, which waits for its approval, with outcome {@code WITHDRAWN}: its approval task goes,
     * and with the run the target it held; the audit trail records {@code WITHDRAW} by the caller with
     * {@code reason}. The caller has checked who may (the requester or an administrator); the engine's own
     * authorizations, which let operators delete no run, do not apply to this one call.
     *
     * @return false when the run no longer waits for an approval (decided, expired or ended meanwhile): nothing done
     */
    public boolean withdraw(String runId, String reason) {
        return commands.execute(context -> context.runWithoutAuthorization(() -> {
            boolean waitsForItsApproval = tasks.createTaskQuery().processInstanceId(runId).list().stream()
                    .anyMatch(task -> !ProcessVariables.HOST_FAILURE_TASK.equals(task.getTaskDefinitionKey()));
            if (!waitsForItsApproval) {
                // ended, decided, or waiting for a decision on a failed host in the middle of its rollout
                return false;
            }
            runtime.setVariable(runId, ProcessVariables.RUN_OUTCOME, RunOutcome.WITHDRAWN.name());
            runtime.deleteProcessInstance(runId, reason);
            return true;
        }));
    }

    /**
     * Starts process {@code processKey} for {@code target}.
     *
     * @param description short text for the business key, e.g. {@code deploy v2}
     * @param variables   process variables besides {@code target}
     * @return the run id (process instance id)
     * @throws TargetBusyException when a changing run of the target is still going (or being started); it names
     *                             the holding run, waiting up to 5 s for a start that raced this one to commit
     * @throws HostContacts.HostUnavailableException when the run would change a target on a host whose agent has
     *                             not called yet or has gone silent (the host is UNKNOWN or DEGRADED)
     */
    /**
     * Refuses ({@link HostContacts.HostUnavailableException}, 409) a changing run (or a backup) of {@code processKey}
     * on {@code target} while a host of the target is UNKNOWN or DEGRADED. Every runbook that runs steps on hosts goes
     * through all of the target's hosts ({@code host.Rollout}); db-restore runs on the platform. A request that
     * reads the target before it starts the run (a rollback looks up its release) asks first.
     */
    public void requireHosts(String processKey, String target) {
        // a backup too: its pins run on every host, and a host whose agent is gone would hold it forever
        if ((CHANGING.contains(processKey) || WAITING_FOR_CHANGES.contains(processKey)) && targets != null) {
            targets.find(target).ifPresent(spec -> spec.hosts().forEach(host -> hosts.requireAvailable(host, target)));
        }
    }

    public String start(String processKey, String target, String description, Map<String, Object> variables) {
        requireHosts(processKey, target);
        Map<String, Object> all = new HashMap<>(variables);
        all.put(ProcessVariables.TARGET, target);
        try {
            return runtime.startProcessInstanceByKey(processKey, target + ":" + description, all)
                    .getId();
        } catch (TargetBusyException e) {
            if (e.runId() != null) {
                throw e;
            }
            Instant deadline = Instant.now().plus(HOLDER_WAIT);
            while (Instant.now().isBefore(deadline)) {
                Optional<String> holder = lock.holder(target);
                if (holder.isPresent()) {
                    throw new TargetBusyException(target, holder.get());
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw e;
        }
    }

    /**
     * Another changing run holds the target. A {@link BadUserRequestException}, so the engine logs the refused start
     * as a caller's mistake (debug), not as an error with a stack trace.
     */
    public static class TargetBusyException extends BadUserRequestException implements Refusal {
        private final String runId;

        /** @param runId the run holding the target; null while it is being started by another request */
        public TargetBusyException(String target, String runId) {
            super("target '" + target + "' is busy: "
                    + (runId == null ? "another run is being started on it" : "run " + runId + " is changing it")
                    + "; wait until it ends");
            this.runId = runId;
        }

        /** Whether {@code message} (a failed job's) is this exception's: the job waits for its target. */
        static boolean isItsMessage(String message) {
            return message != null && message.startsWith("target '") && message.contains("' is busy: ");
        }

        /** The run holding the target, or null when it is being started by another request. */
        public String runId() {
            return runId;
        }
    }
}

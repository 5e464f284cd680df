package dev.runbook.host;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.TargetRegistry;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The host-by-host part of deploy and update (bean {@code rollout}): the hosts a run goes through, one after the
 * other ({@code ${rollout.hosts(execution)}}, the collection of each per-host multi-instance subprocess, its element
 * variable {@code host}), the batches its switch goes through ({@code ${rollout.batches(execution)}}, each the
 * comma-separated hosts switched at once, {@code ${rollout.hostsOf(batch)}}), and the hosts whose steps need undoing
 * when a later one fails. The prepare and switch steps' end listeners add their host to {@code preparedHosts} and
 * {@code switchedHosts} (comma-separated Strings, so nothing serialized is stored); the rollback goes through them
 * newest first ({@code ${rollout.undo(execution, 'switchedHosts')}}), so the host switched last is switched back first.
 *
 * <p>A failure on one host of a batch ends the steps the other hosts of the batch are running. Such a step may have
 * done its work on its host all the same (its agent finishes it, and its report is dropped), so the end listeners count
 * it as done: a switch ended so counts as switched, a reload ended so marks the host's apps reloaded, and the rollback
 * undoes both. The failing step itself counts as not done, as before.
 */
@Component("rollout")
public class Rollout {

    private final Function<String, List<String>> hostsOfTarget;
    private final Function<String, RunbookProperties.Rollout> policyOfTarget;

    @Autowired
    Rollout(TargetRegistry targets) {
        this(
                target -> targets.get(target).hosts(),
                target -> targets.get(target).rollout());
    }

    /**
     * A rollout over the hosts {@code hostsOfTarget} gives for a target's name, with the batch size and failure policy
     * {@code policyOfTarget} gives (process tests give their own).
     */
    public Rollout(
            Function<String, List<String>> hostsOfTarget, Function<String, RunbookProperties.Rollout> policyOfTarget) {
        this.hostsOfTarget = hostsOfTarget;
        this.policyOfTarget = policyOfTarget;
    }

    /** The target's hosts in their configured order; {@link HostBound#LOCAL} for a target that names none. */
    public List<String> hosts(VariableScope execution) {
        List<String> hosts = hostsOfTarget.apply((String) execution.getVariable(ProcessVariables.TARGET));
        return hosts.isEmpty() ? List.of(HostBound.LOCAL) : hosts;
    }

    /**
     * The batches of the switch: the target's hosts in their configured order, {@code rollout.batch} at a time, each
     * batch its hosts comma-separated (the last one may be smaller).
     */
    public List<String> batches(VariableScope execution) {
        List<String> hosts = hosts(execution);
        int size = Math.max(1, policy(execution).batch());
        List<String> batches = new ArrayList<>();
        for (int from = 0; from < hosts.size(); from += size) {
            batches.add(String.join(",", hosts.subList(from, Math.min(hosts.size(), from + size))));
        }
        return batches;
    }

    /** The hosts of one batch of {@link #batches}. */
    public List<String> hostsOf(String batch) {
        return listed(batch);
    }

    /** End listener of the prepare step: its host has a new release directory to discard if the run fails. */
    public void prepared(DelegateExecution execution) {
        add(execution, ProcessVariables.PREPARED_HOSTS);
    }

    /**
     * End listener of the switch step: its host's {@code current} points at the new release (or may: another host's
     * failure ended the step, see above).
     */
    public void switched(DelegateExecution execution) {
        if (execution.isCanceled() && endedByAnotherHost(execution)) {
            addHost(execution, ProcessVariables.SWITCHED_HOSTS);
            return;
        }
        add(execution, ProcessVariables.SWITCHED_HOSTS);
    }

    /**
     * End listener of the reload step: when another host's failure ended it, the host's apps may run the new release
     * already, so its rollback reloads them ({@code appsReloaded} of the host; the step sets it itself otherwise).
     */
    public void reloadEnded(DelegateExecution execution) {
        if (execution.isCanceled() && endedByAnotherHost(execution)) {
            ProcessVariables.of(execution).set(ProcessVariables.APPS_RELOADED, "true");
        }
    }

    /**
     * Whether a failed host waits for an operator's decision ({@code rollout.on-failure: ask}) rather than rolling every
     * host back at once.
     */
    public boolean asks(VariableScope execution) {
        return policy(execution).onFailure() == RunbookProperties.Rollout.OnFailure.ASK;
    }

    /**
     * Listener of the retry flow (an operator decided to retry the failed host): the host's failure no longer stands,
     * so its variables are removed (another host's failure, waiting for its own decision, is left as it is).
     */
    public void retry(DelegateExecution execution) {
        ProcessVariables vars = ProcessVariables.of(execution);
        if (java.util.Objects.equals(vars.string(ProcessVariables.FAILED_HOST), vars.remoteHost())) {
            for (String variable : List.of(
                    ProcessVariables.FAILED_STEP,
                    ProcessVariables.FAILED_HOST,
                    ProcessVariables.FAILURE_CODE,
                    ProcessVariables.FAILURE_MESSAGE)) {
                execution.getProcessInstance().removeVariable(variable);
            }
        }
    }

    private RunbookProperties.Rollout policy(VariableScope execution) {
        return policyOfTarget.apply((String) execution.getVariable(ProcessVariables.TARGET));
    }

    /** Whether the step ended because of a failure elsewhere (another host's, or the run was cancelled). */
    private static boolean endedByAnotherHost(DelegateExecution execution) {
        ProcessVariables vars = ProcessVariables.of(execution);
        String failedHost = vars.string(ProcessVariables.FAILED_HOST);
        String failedStep = vars.string(ProcessVariables.FAILED_STEP);
        boolean failedHere = failedStep != null
                && failedStep.equals(execution.getCurrentActivityId())
                && java.util.Objects.equals(failedHost, vars.remoteHost());
        return !failedHere;
    }

    /** The hosts listed in {@code variable}, the last added first. */
    public List<String> undo(VariableScope execution, String variable) {
        List<String> hosts = new ArrayList<>(listed(execution.getVariable(variable)));
        Collections.reverse(hosts);
        return hosts;
    }

    private static void add(DelegateExecution execution, String variable) {
        if (execution.isCanceled()) {
            // the step failed (a BPMN error ends it too): it did not complete, so there is nothing of it to undo
            return;
        }
        addHost(execution, variable);
    }

    private static void addHost(DelegateExecution execution, String variable) {
        String host = (String) execution.getVariable(HostBound.HOST_VARIABLE);
        if (host == null) {
            throw new IllegalStateException("the step of " + variable + " runs outside a per-host part");
        }
        List<String> hosts = new ArrayList<>(listed(execution.getVariable(variable)));
        if (!hosts.contains(host)) {
            hosts.add(host);
        }
        // on the run itself, not the per-host instance, so the rollback (another scope) sees it
        execution.getProcessInstance().setVariable(variable, String.join(",", hosts));
    }

    private static List<String> listed(Object value) {
        return value == null || value.toString().isBlank()
                ? List.of()
                : Arrays.asList(value.toString().split(","));
    }
}

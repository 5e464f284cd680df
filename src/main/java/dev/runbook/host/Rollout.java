package dev.runbook.host;

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
 * variable {@code host}), and the hosts whose steps need undoing when a later one fails. The prepare and switch steps'
 * end listeners add their host to {@code preparedHosts} and {@code switchedHosts} (comma-separated Strings, so nothing
 * serialized is stored); the rollback goes through them newest first ({@code ${rollout.undo(execution,
 * 'switchedHosts')}}), so the host switched last is switched back first.
 */
@Component("rollout")
public class Rollout {

    private final Function<String, List<String>> hostsOfTarget;

    @Autowired
    Rollout(TargetRegistry targets) {
        this(target -> targets.get(target).hosts());
    }

    /** A rollout over the hosts {@code hostsOfTarget} gives for a target's name (process tests give their own). */
    public Rollout(Function<String, List<String>> hostsOfTarget) {
        this.hostsOfTarget = hostsOfTarget;
    }

    /** The target's hosts in their configured order; {@link HostBound#LOCAL} for a target that names none. */
    public List<String> hosts(VariableScope execution) {
        List<String> hosts = hostsOfTarget.apply((String) execution.getVariable(ProcessVariables.TARGET));
        return hosts.isEmpty() ? List.of(HostBound.LOCAL) : hosts;
    }

    /** End listener of the prepare step: its host has a new release directory to discard if the run fails. */
    public void prepared(DelegateExecution execution) {
        add(execution, ProcessVariables.PREPARED_HOSTS);
    }

    /** End listener of the switch step: its host's {@code current} points at the new release. */
    public void switched(DelegateExecution execution) {
        add(execution, ProcessVariables.SWITCHED_HOSTS);
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

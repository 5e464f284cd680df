package dev.runbook.host;

import dev.runbook.config.HostsProperties;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.springframework.stereotype.Component;

/**
 * Which host a host-bound step is for ({@link HostBound#TOPIC_EXPRESSION}): the {@code host} variable of a rolling
 * run's per-host part, else the one host the run's target names, else {@link HostBound#LOCAL}. Checks at start-up
 * that every host a target names has an agent configured ({@code runbook.hosts.<host>}).
 */
@Component("hostTopics")
public class HostTopics {

    private final TargetRegistry targets;

    HostTopics(TargetRegistry targets, HostsProperties hosts) {
        this.targets = targets;
        for (Map.Entry<String, Target> target : targets.all().entrySet()) {
            for (String host : target.getValue().hosts()) {
                if (!hosts.hosts().containsKey(host)) {
                    throw new IllegalStateException("runbook.targets." + target.getKey() + ".hosts names " + host
                            + ", which has no agent: add runbook.hosts." + host + ".agent-user");
                }
            }
        }
    }

    /** The topic of the step that {@code execution} is about to create. */
    public String of(VariableScope execution) {
        String target = (String) execution.getVariable(ProcessVariables.TARGET);
        Object host = execution.getVariable(HostBound.HOST_VARIABLE);
        if (host instanceof String name && !name.isBlank()) {
            // a run's per-host part names its host; only one of the target's (no variable sends a step elsewhere)
            List<String> hosts = targets.get(target).hosts();
            if (hosts.isEmpty() && HostBound.LOCAL.equals(name)) {
                return HostBound.topic(name);
            }
            if (!hosts.contains(name)) {
                throw new ProcessEngineException("host " + name + " is not a host of target " + target);
            }
            return HostBound.topic(name);
        }
        return HostBound.topic(hostOf(target));
    }

    /** The host that runs the steps of a target's runs that are not rolled out host by host. */
    public String hostOf(String target) {
        List<String> hosts = targets.get(target).hosts();
        if (hosts.isEmpty()) {
            return HostBound.LOCAL;
        }
        if (hosts.size() > 1) {
            throw new ProcessEngineException("target " + target + " has " + hosts.size() + " hosts " + hosts
                    + ": this runbook does not run host by host; give it one host");
        }
        return hosts.get(0);
    }
}

package dev.runbook.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runbook.config.TargetRegistry;
import dev.runbook.host.HostContacts;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The per-host part of {@code monitor} ({@code SubProcess_CheckHosts}): every host of the target checks itself at
 * once (its own PM2, ports, health URLs, error logs and resources); the end events of each host's part add its verdict
 * to the run's {@code healthy}, {@code unhealthyReasons} (each line prefixed with the host on a target with hosts) and
 * {@code healthReport} (a target on the platform's own machine: its report; a target with hosts, even one:
 * {@code {"target", "status", "hosts": {host: report}}}). A host whose check fails counts as unhealthy, with the
 * reason. A host whose worker did not take the check within {@link #answerWithin}: unhealthy when it is silent (no
 * steps under way: agent stopped, host down or cut off); {@code NOT_CHECKED} when it was busy with another run's steps
 * all that time (an agent runs one step at a time, a build can take minutes): that host does not change the verdict,
 * the next check sees it.
 */
@Component("monitorHosts")
public class MonitorHosts {

    /** A host's status in the report when its worker was busy with other runs' steps all the check's time. */
    public static final String NOT_CHECKED = "NOT_CHECKED";

    /** How long past the restart window a host's agent may take to fetch and answer a check. */
    static final Duration ANSWER_SLACK = Duration.ofSeconds(60);

    private final Function<String, List<String>> hostsOfTarget;
    private final Function<String, Duration> restartWindowOfTarget;
    private final BiFunction<String, String, List<String>> busyWith;
    private final ObjectMapper json;

    @Autowired
    MonitorHosts(TargetRegistry targets, ObjectMapper json, HostContacts contacts) {
        this(
                target -> targets.get(target).hosts(),
                target -> targets.get(target).monitor().restartWindow(),
                contacts::busyWith,
                json);
    }

    /**
     * Over the hosts {@code hostsOfTarget} gives for a target's name (none: the platform's own machine), with the
     * restart window {@code restartWindowOfTarget} gives, and {@code busyWith} (host, this run's id) giving the steps of
     * other runs a host's worker holds now (process tests give their own).
     */
    public MonitorHosts(
            Function<String, List<String>> hostsOfTarget,
            Function<String, Duration> restartWindowOfTarget,
            BiFunction<String, String, List<String>> busyWith,
            ObjectMapper json) {
        this.hostsOfTarget = hostsOfTarget;
        this.restartWindowOfTarget = restartWindowOfTarget;
        this.busyWith = busyWith;
        this.json = json;
    }

    /** The timer of {@code BoundaryEvent_NoAnswer}: the target's restart window plus {@link #ANSWER_SLACK}. */
    public String answerWithin(VariableScope execution) {
        return window(execution).toString();
    }

    /** End of a host's check: its own {@code healthy}, reasons and report (local to its part) join the run's. */
    public void checked(DelegateExecution execution) {
        record(
                execution,
                Boolean.TRUE.equals(execution.getVariable(ProcessVariables.HEALTHY)),
                (String) execution.getVariable(ProcessVariables.UNHEALTHY_REASONS),
                (String) execution.getVariable(ProcessVariables.HEALTH_REPORT));
    }

    /** The host's check failed (its PM2 could not be asked ...): unhealthy, naming the failure. */
    public void notChecked(DelegateExecution execution) {
        Object message = execution.getVariable(ProcessVariables.FAILURE_MESSAGE);
        record(
                execution,
                false,
                "the check could not be made: " + execution.getVariable(ProcessVariables.FAILURE_CODE)
                        + (message == null ? "" : " " + message),
                null);
    }

    /**
     * The host's worker took no check within {@link #answerWithin}: not checked while it runs other runs' steps, else
     * unhealthy (its agent may be stopped, its host down or cut off).
     */
    public void noAnswer(DelegateExecution execution) {
        String host = (String) execution.getVariable(HostBound.HOST_VARIABLE);
        List<String> busy = busyWith.apply(host, execution.getProcessInstanceId());
        if (!busy.isEmpty()) {
            record(
                    execution,
                    null,
                    "not checked: its worker was busy with " + String.join(", ", busy) + " for "
                            + window(execution).toSeconds() + " s",
                    null);
            return;
        }
        record(
                execution,
                false,
                "its agent did not answer the check within " + window(execution).toSeconds()
                        + " s (agent stopped, host down or network cut)",
                null);
    }

    private Duration window(VariableScope execution) {
        String target = (String) execution.getVariable(ProcessVariables.TARGET);
        return restartWindowOfTarget.apply(target).plus(ANSWER_SLACK);
    }

    /**
     * Adds one host's verdict to the run's: {@code healthy} true or false, or null for a host not checked (its note goes
     * to the report only).
     */
    private void record(DelegateExecution execution, Boolean healthy, String reasons, String report) {
        String host = (String) execution.getVariable(HostBound.HOST_VARIABLE);
        String target = (String) execution.getVariable(ProcessVariables.TARGET);
        boolean fleet = !hostsOfTarget.apply(target).isEmpty();
        DelegateExecution run = execution.getProcessInstance();
        boolean all = !Boolean.FALSE.equals(run.getVariableLocal(ProcessVariables.HEALTHY)) && healthy != Boolean.FALSE;
        run.setVariableLocal(ProcessVariables.HEALTHY, all);

        List<String> lines = new ArrayList<>();
        String before = (String) run.getVariableLocal(ProcessVariables.UNHEALTHY_REASONS);
        if (before != null && !before.isBlank()) {
            lines.add(before);
        }
        if (reasons != null && healthy != null) {
            reasons.lines()
                    .filter(line -> !line.isBlank())
                    .forEach(line -> lines.add(fleet ? host + ": " + line : line));
        }
        run.setVariableLocal(ProcessVariables.UNHEALTHY_REASONS, abbreviate(String.join("\n", lines), 3500));
        run.setVariableLocal(
                ProcessVariables.HEALTH_REPORT,
                fleet
                        ? fleetReport(
                                (String) run.getVariableLocal(ProcessVariables.HEALTH_REPORT),
                                target,
                                host,
                                all,
                                healthy,
                                reasons,
                                report)
                        : report != null ? report : write(hostOnly(healthy, reasons)));
    }

    /**
     * The run's report with {@code host}'s added; short enough for a String variable: when the whole is too long, each
     * host's entry is cut to its status and reasons, then to its status alone.
     */
    String fleetReport(
            String before, String target, String host, boolean all, Boolean healthy, String reasons, String report) {
        JsonNode parsed = before == null ? null : read(before);
        ObjectNode whole = parsed instanceof ObjectNode object ? object : json.createObjectNode();
        whole.put("target", target);
        whole.put("status", all ? HealthReport.HEALTHY : HealthReport.UNHEALTHY);
        ObjectNode hosts = whole.get("hosts") instanceof ObjectNode object ? object : whole.putObject("hosts");
        // once the hosts were cut to their status, every host that joins is too: one shape for all
        boolean statusOnly = false;
        for (JsonNode entry : hosts) {
            statusOnly |= !entry.isObject();
        }
        hosts.set(host, report == null ? hostOnly(healthy, reasons) : read(report));
        if (statusOnly) {
            cut(hosts, false);
        }
        String text = write(whole);
        if (text.length() > MonitorCheckDelegate.MAX_REPORT_CHARS) {
            cut(hosts, true);
            text = write(whole);
        }
        if (text.length() > MonitorCheckDelegate.MAX_REPORT_CHARS) {
            cut(hosts, false);
            text = write(whole);
        }
        return text.length() <= MonitorCheckDelegate.MAX_REPORT_CHARS
                ? text
                : abbreviate(text, MonitorCheckDelegate.MAX_REPORT_CHARS - 10);
    }

    /** Cuts each host's entry to its status and reasons, or to its status alone. */
    private void cut(ObjectNode hosts, boolean keepReasons) {
        List<String> names = new ArrayList<>();
        hosts.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode entry = hosts.get(name);
            if (!entry.isObject()) {
                continue;
            }
            if (keepReasons) {
                ObjectNode shorter = json.createObjectNode();
                shorter.set("status", entry.get("status"));
                shorter.set("reasons", entry.get("reasons"));
                hosts.set(name, shorter);
            } else {
                hosts.set(name, entry.get("status"));
            }
        }
    }

    /** A host's entry without a report of its own: its status ({@link #NOT_CHECKED} for null) and reasons. */
    private ObjectNode hostOnly(Boolean healthy, String reasons) {
        ObjectNode node = json.createObjectNode();
        node.put("status", healthy == null ? NOT_CHECKED : healthy ? HealthReport.HEALTHY : HealthReport.UNHEALTHY);
        var list = node.putArray("reasons");
        if (reasons != null) {
            reasons.lines().filter(line -> !line.isBlank()).forEach(list::add);
        }
        return node;
    }

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            return json.getNodeFactory().textNode(text);
        }
    }

    private String write(JsonNode node) {
        return MonitorCheckDelegate.write(json, node);
    }

    private static String abbreviate(String text, int max) {
        return MonitorCheckDelegate.abbreviate(text, max);
    }
}

package dev.runbook.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.monitor.HealthReport.ComponentReport;
import dev.runbook.monitor.HealthReport.ErrorLogReport;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Task_CheckHealth of {@code monitor}: one {@link HealthReporter} check of the run's target. Writes {@code healthy},
 * {@code unhealthyReasons} and {@code healthReport}. Writes no step log: watch mode runs every few seconds and its
 * history is removed after a day, step log files would stay.
 */
@Component("monitorCheckDelegate")
@StepErrors(BpmnErrors.COMMAND_FAILED)
class MonitorCheckDelegate extends RunbookDelegate {

    static final int MAX_REPORT_CHARS = 3900;

    private final HealthReporter reporter;
    private final ObjectMapper json;

    MonitorCheckDelegate(TargetRegistry targets, Redactor redactor, HealthReporter reporter, ObjectMapper json) {
        super(targets, redactor);
        this.reporter = reporter;
        this.json = json;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        HealthReport report = reporter.check(vars.target());
        vars.setAll(Map.of(
                ProcessVariables.HEALTHY,
                report.healthy(),
                ProcessVariables.UNHEALTHY_REASONS,
                abbreviate(String.join("\n", report.reasons()), 3500),
                ProcessVariables.HEALTH_REPORT,
                compactJson(report)));
    }

    /** The report as JSON short enough for a String variable: without the error-log lines when it is too long. */
    String compactJson(HealthReport report) {
        String full = write(report);
        if (full.length() <= MAX_REPORT_CHARS) {
            return full;
        }
        List<ComponentReport> components = report.components().stream()
                .map(c -> new ComponentReport(c.component(), c.app(), c.port(), c.http(), withoutLines(c.errorLog())))
                .toList();
        String shorter = write(new HealthReport(
                report.target(),
                report.status(),
                report.checkedAt(),
                report.tookMs(),
                report.reasons(),
                components,
                report.system()));
        return shorter.length() <= MAX_REPORT_CHARS
                ? shorter
                : write(Map.of(
                        "target",
                        report.target(),
                        "status",
                        report.status(),
                        "reasons",
                        abbreviate(String.join("\n", report.reasons()), MAX_REPORT_CHARS - 200)));
    }

    private static ErrorLogReport withoutLines(ErrorLogReport log) {
        return new ErrorLogReport(
                log.window(), log.matchingLines(), log.counts(), List.of(), log.truncated(), log.timestamped());
    }

    private String write(Object value) {
        return write(json, value);
    }

    /** A health report (or part of one) as JSON. */
    static String write(ObjectMapper json, Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write health report as JSON", e);
        }
    }

    static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + " ...";
    }
}

package dev.runbook.monitor;

import dev.runbook.config.MonitorPolicy.ErrorLog;
import dev.runbook.exec.Redactor;
import dev.runbook.monitor.HealthReport.ErrorLogReport;
import dev.runbook.pm2.Pm2LogFile;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Scans an app's PM2 error log: the lines written within the policy's window that match one of its patterns, counted
 * per pattern, and the last matching lines with secrets redacted (a log line may hold a connection string).
 */
final class ErrorLogScanner {

    static final int MAX_LINE_CHARS = 500;

    private final Redactor redactor;
    private final ZoneId zone;

    ErrorLogScanner(Redactor redactor, ZoneId zone) {
        this.redactor = redactor;
        this.zone = zone;
    }

    /**
     * Compiles the configured patterns; IllegalStateException naming {@code property} when one is not a valid
     * regular expression (so a bad pattern stops the platform at start-up).
     */
    static List<Pattern> compile(List<String> patterns, String property) {
        List<Pattern> compiled = new ArrayList<>();
        for (String pattern : patterns) {
            try {
                compiled.add(Pattern.compile(pattern));
            } catch (PatternSyntaxException e) {
                throw new IllegalStateException(
                        property + ": '" + pattern + "' is not a regular expression: " + e.getDescription());
            }
        }
        return compiled;
    }

    /**
     * Scans {@code file} (an app's {@code pm2_env.pm_err_log_path} under PM2 id {@code pmId}; null or missing: nothing
     * found) and the app's error logs under earlier ids ({@link Pm2LogFile#readApp}), so a restart keeps the history.
     */
    ErrorLogReport scan(String file, int pmId, ErrorLog policy, List<Pattern> patterns, Instant now) {
        Pm2LogFile log = Pm2LogFile.readApp(file, pmId, zone);
        Instant since = now.minus(policy.window());
        Map<String, Integer> counts = new LinkedHashMap<>();
        patterns.forEach(p -> counts.put(p.pattern(), 0));
        Deque<String> last = new ArrayDeque<>();
        int matching = 0;
        for (Pm2LogFile.Line line : log.lines()) {
            if (line.time() == null || line.time().isBefore(since)) {
                continue;
            }
            boolean matched = false;
            for (Pattern pattern : patterns) {
                if (pattern.matcher(line.text()).find()) {
                    counts.merge(pattern.pattern(), 1, Integer::sum);
                    matched = true;
                }
            }
            if (matched) {
                matching++;
                last.addLast(line.text());
                if (last.size() > policy.lastLines()) {
                    last.removeFirst();
                }
            }
        }
        List<String> lastLines = last.stream().map(this::safe).toList();
        return new ErrorLogReport(
                policy.window().toString(), matching, counts, lastLines, log.truncated(), log.timestamped());
    }

    private String safe(String line) {
        String redacted = redactor.redact(line);
        return redacted.length() <= MAX_LINE_CHARS ? redacted : redacted.substring(0, MAX_LINE_CHARS) + " ...";
    }
}

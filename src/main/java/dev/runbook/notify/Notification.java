package dev.runbook.notify;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Something the platform tells the people behind a target: one record per event kind. {@link TargetNotifier} routes
 * it to the target's webhook, where it arrives as the JSON object of {@link #body()} (a Slack-compatible {@code text}
 * first, then {@code event} and the kind's fields). docs/notifications.md shows each kind; a test keeps it true.
 */
public sealed interface Notification {

    /** The target it is about (routes it to that target's webhook). */
    String target();

    /** One human-readable paragraph (Slack's {@code text}). */
    String text();

    /** The kind, the JSON field {@code event}: {@code APPROVAL_WAITING}, {@code RUN_ENDED} ... */
    String event();

    /** The kind's JSON fields after {@code text} and {@code event}, in order; Instants as ISO-8601 strings. */
    Map<String, Object> fields();

    /** True for kinds that mean something went wrong: logged at WARN when the target has no webhook. */
    default boolean alert() {
        return false;
    }

    /** The JSON body: {@code text}, {@code event}, then {@link #fields()} (null values left out). */
    default Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("text", text());
        body.put("event", event());
        fields().forEach((key, value) -> {
            if (value != null) {
                body.putIfAbsent(key, value instanceof Instant instant ? instant.toString() : value);
            }
        });
        return body;
    }

    /** An approval (user task) started waiting; {@code url} opens it in Tasklist, {@code deadline} may be null. */
    record ApprovalWaiting(
            String target,
            String runId,
            String processKey,
            Instant at,
            String text,
            String taskId,
            String url,
            String requestedBy,
            Instant deadline)
            implements Notification {

        @Override
        public String event() {
            return "APPROVAL_WAITING";
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> fields = run(target, runId, processKey, at);
            fields.put("taskId", taskId);
            fields.put("url", url);
            fields.put("requestedBy", requestedBy);
            fields.put("deadline", deadline);
            return fields;
        }
    }

    /**
     * A host of a rolling run failed and the run waits for an operator ({@code rollout.on-failure: ask}): {@code url}
     * is the run page, where operators retry the host or roll every host back; {@code deadline} may be null.
     */
    record HostDecisionWaiting(
            String target,
            String runId,
            String processKey,
            Instant at,
            String text,
            String host,
            String failure,
            String url,
            Instant deadline)
            implements Notification {

        @Override
        public String event() {
            return "HOST_DECISION_WAITING";
        }

        @Override
        public boolean alert() {
            return true;
        }

        @Override
        public Map<String, Object> fields() {
            Map<String, Object> fields = run(target, runId, processKey, at);
            fields.put("host", host);
            fields.put("failure", failure);
            fields.put("url", url);
            fields.put("deadline", deadline);
            return fields;
        }
    }

    /**
     * A run ended {@code ROLLED_BACK}, {@code REVERTED}, {@code FAILED} or {@code EXPIRED}; {@code url} is its run
     * page, {@code failureCode} null when none was recorded.
     */
    record RunEnded(
            String target,
            String runId,
            String processKey,
            Instant at,
            String text,
            String outcome,
            String url,
            String failureCode)
            implements Notification {

        @Override
        public String event() {
            return "RUN_ENDED";
        }

        @Override
        public boolean alert() {
            return true;
        }

        @Override
        public Map<String, Object> fields() {
            return ended(run(target, runId, processKey, at), outcome, url, failureCode);
        }
    }

    /**
     * A backup failed: a release backup ({@code backup}, when its run ends {@code FAILED}) or a database backup
     * ({@code db-backup}, as soon as the failure is reported: that run stays open until a good backup exists).
     */
    record BackupFailed(
            String target,
            String runId,
            String processKey,
            Instant at,
            String text,
            String outcome,
            String url,
            String failureCode)
            implements Notification {

        @Override
        public String event() {
            return "BACKUP_FAILED";
        }

        @Override
        public boolean alert() {
            return true;
        }

        @Override
        public Map<String, Object> fields() {
            return ended(run(target, runId, processKey, at), outcome, url, failureCode);
        }
    }

    /** A {@code monitor} check found the target {@code UNHEALTHY}: sent once per episode, which began at {@code since}. */
    record TargetUnhealthy(String target, String runId, Instant at, String text, List<String> reasons, Instant since)
            implements Notification {

        @Override
        public String event() {
            return "TARGET_UNHEALTHY";
        }

        @Override
        public boolean alert() {
            return true;
        }

        @Override
        public Map<String, Object> fields() {
            return checked(run(target, runId, "monitor", at), "UNHEALTHY", reasons, since);
        }
    }

    /** A {@code monitor} check found the target healthy again after an episode that began at {@code since}. */
    record TargetRecovered(String target, String runId, Instant at, String text, Instant since)
            implements Notification {

        @Override
        public String event() {
            return "TARGET_RECOVERED";
        }

        @Override
        public Map<String, Object> fields() {
            return checked(run(target, runId, "monitor", at), "RECOVERED", List.of(), since);
        }
    }

    private static Map<String, Object> run(String target, String runId, String processKey, Instant at) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("target", target);
        fields.put("runId", runId);
        fields.put("processKey", processKey);
        fields.put("at", at);
        return fields;
    }

    private static Map<String, Object> ended(
            Map<String, Object> fields, String outcome, String url, String failureCode) {
        fields.put("outcome", outcome);
        fields.put("url", url);
        fields.put("failureCode", failureCode);
        return fields;
    }

    private static Map<String, Object> checked(
            Map<String, Object> fields, String status, List<String> reasons, Instant since) {
        fields.put("status", status);
        fields.put("reasons", List.copyOf(reasons));
        fields.put("since", since);
        return fields;
    }
}

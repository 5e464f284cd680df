package dev.runbook.run;

import dev.runbook.process.HostBound;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What is new in one run since the last look: steps that started or changed outcome, the lines their commands wrote
 * to their step logs (already redacted), a change of the run's state, and its end. One follower per subscriber of
 * {@code GET /api/runs/{runId}/events}; its first look reports everything so far.
 */
public class RunFollower {

    /** Longest piece of a step log read in one look. */
    private static final int MAX_READ = 256 * 1024;

    /**
     * One event.
     *
     * @param type {@code step} (a step started or its outcome changed), {@code log} (one line of a step's command
     *             output), {@code state} (the run's state changed) or {@code end} (the run ended; the last event)
     * @param data what the event says (see docs/rest-api.md)
     */
    public record Event(String type, Map<String, Object> data) {}

    private final RunQueries runs;
    private final String runId;
    private final Map<String, String> outcomes = new HashMap<>();
    private final Map<String, Long> logOffsets = new HashMap<>();
    private final Map<String, StringBuilder> partialLines = new HashMap<>();
    private String state;
    private boolean ended;

    public RunFollower(RunQueries runs, String runId) {
        this.runs = runs;
        this.runId = runId;
    }

    /** Whether the run has ended (its {@code end} event was reported). */
    public boolean ended() {
        return ended;
    }

    /** The events since the last call; empty when the run is gone. */
    public List<Event> poll() {
        List<Event> events = new ArrayList<>();
        Optional<RunView> found = runs.find(runId);
        if (found.isEmpty() || ended) {
            return events;
        }
        RunView run = found.get();
        Map<String, Integer> seen = new HashMap<>();
        for (RunView.Step step : run.steps() == null ? List.<RunView.Step>of() : run.steps()) {
            String logName = HostBound.logName(step.activityId(), step.host());
            int occurrence = seen.merge(logName, 1, Integer::sum);
            String key = logName + "#" + occurrence;
            if (!Objects.equals(outcomes.put(key, step.outcome()), step.outcome())) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("activityId", step.activityId());
                if (step.host() != null) {
                    data.put("host", step.host());
                }
                data.put("name", step.name());
                data.put("outcome", step.outcome());
                data.put("compensation", step.compensation());
                events.add(new Event("step", data));
            }
            if (occurrence == 1) {
                newLines(step.activityId(), step.host(), !"RUNNING".equals(step.outcome()), events);
            }
        }
        boolean over = "ENDED".equals(run.state());
        if (!over && !Objects.equals(state, run.state())) {
            events.add(new Event("state", Map.of("state", run.state())));
        }
        state = run.state();
        if (over) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("state", run.state());
            data.put("outcome", run.outcome());
            if (run.failure() != null) {
                data.put("failure", run.failure());
            }
            events.add(new Event("end", data));
            ended = true;
        }
        return events;
    }

    /** Whole lines the step's log gained; a last line without its newline once the step is over. */
    private void newLines(String activityId, String host, boolean stepOver, List<Event> events) {
        Optional<Path> file = runs.stepLog(runId, activityId, host);
        if (file.isEmpty()) {
            return;
        }
        String logName = HostBound.logName(activityId, host);
        long offset = logOffsets.getOrDefault(logName, 0L);
        byte[] bytes;
        try (RandomAccessFile log = new RandomAccessFile(file.get().toFile(), "r")) {
            long length = log.length();
            if (length <= offset) {
                bytes = new byte[0];
            } else {
                bytes = new byte[(int) Math.min(MAX_READ, length - offset)];
                log.seek(offset);
                log.readFully(bytes);
            }
        } catch (IOException e) {
            return; // the log is rotated away or unreadable: the step's end still comes as an event
        }
        logOffsets.put(logName, offset + bytes.length);
        StringBuilder pending = partialLines.computeIfAbsent(logName, id -> new StringBuilder());
        Map<String, String> of =
                host == null ? Map.of("activityId", activityId) : Map.of("activityId", activityId, "host", host);
        pending.append(new String(bytes, StandardCharsets.UTF_8));
        int newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
            events.add(new Event("log", with(of, "line", pending.substring(0, newline))));
            pending.delete(0, newline + 1);
        }
        if (stepOver && !pending.isEmpty()) {
            events.add(new Event("log", with(of, "line", pending.toString())));
            pending.setLength(0);
        }
    }

    private static Map<String, Object> with(Map<String, String> of, String key, String value) {
        Map<String, Object> data = new LinkedHashMap<>(of);
        data.put(key, value);
        return data;
    }
}

package dev.runbook.pm2;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What PM2 showed right after a reload step, so that the health check that follows in another job can tell a crash
 * from the reload itself: when the reload began (error-log lines from then on are the new release's), each app's
 * {@code restart_time} after it (a higher count later means PM2 restarted a crashed app), and whether the apps were
 * deleted and started afresh rather than reloaded (a gap in every PM2 mode). Travels between the steps as the process
 * variable {@code reloadBaseline}, a small JSON object ({@link #toJson()}).
 *
 * @param reloadedAt when the reload began
 * @param restarts   {@code pm2_env.restart_time} of each reloaded app after the reload, by app name (summed over the
 *                   instances of a cluster-mode app)
 * @param fresh      true when the apps were deleted and started ({@code pm2 delete} + {@code pm2 start}), false for a
 *                   {@code pm2 startOrReload}
 * @param polls      what the reload step's own poll of each app's health URL saw, by app name (empty when it did not
 *                   poll)
 */
public record Pm2Baseline(Instant reloadedAt, Map<String, Integer> restarts, boolean fresh, Map<String, Poll> polls) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Pm2Baseline {
        restarts = Map.copyOf(restarts);
        polls = Map.copyOf(polls);
    }

    /** A baseline after a reload ({@code fresh} false), without a poll. */
    public Pm2Baseline(Instant reloadedAt, Map<String, Integer> restarts) {
        this(reloadedAt, restarts, false, Map.of());
    }

    /**
     * What the reload step's poll of one app's health URL saw ({@code ReloadPoll}).
     *
     * @param failedAt       when the first poll without a 2xx began; null when every poll answered 2xx
     * @param answeredAt     when the first 2xx after that came; null when none came before the step ended
     * @param answeredBefore true when the first poll, just before the reload, got a 2xx (false: a first start, or a
     *                       failed release that the undo's reload replaces)
     */
    public record Poll(Instant failedAt, Instant answeredAt, boolean answeredBefore) {}

    /** The baseline of apps as {@code pm2 jlist} showed them after a reload that began at {@code reloadedAt}. */
    public static Pm2Baseline of(Instant reloadedAt, List<Pm2Process> apps) {
        return new Pm2Baseline(reloadedAt, restartsByApp(apps), false, Map.of());
    }

    /** The baseline of apps deleted and started afresh from {@code startedAt} on ({@link Pm2Client#restartFresh}). */
    public static Pm2Baseline fresh(Instant startedAt, List<Pm2Process> apps) {
        return new Pm2Baseline(startedAt, restartsByApp(apps), true, Map.of());
    }

    /** This baseline with what the reload step's poll saw. */
    public Pm2Baseline withPolls(Map<String, Poll> seen) {
        return new Pm2Baseline(reloadedAt, restarts, fresh, seen);
    }

    /**
     * This baseline and {@code later}'s, of apps reloaded one after the other in one step: the earlier reload's start
     * (error-log lines from then on are the new release's), the restart counts and polls of both.
     */
    public Pm2Baseline and(Pm2Baseline later) {
        Map<String, Integer> counts = new LinkedHashMap<>(restarts);
        counts.putAll(later.restarts);
        Map<String, Poll> seen = new LinkedHashMap<>(polls);
        seen.putAll(later.polls);
        Instant first = reloadedAt.isBefore(later.reloadedAt) ? reloadedAt : later.reloadedAt;
        return new Pm2Baseline(first, counts, fresh || later.fresh, seen);
    }

    /** {@code restart_time} by app name, summed over the instances of each app (cluster mode lists one per worker). */
    public static Map<String, Integer> restartsByApp(List<Pm2Process> processes) {
        Map<String, Integer> restarts = new LinkedHashMap<>();
        processes.forEach(p -> restarts.merge(p.name(), p.restarts(), Integer::sum));
        return restarts;
    }

    /**
     * {@code {"reloadedAt":"<ISO-8601>","fresh":false,"restarts":{"<app>":<count>},
     * "polls":{"<app>":{"failedAt":"<ISO-8601>"|null,"answeredAt":"<ISO-8601>"|null,"answeredBefore":true}}}}.
     */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("reloadedAt", reloadedAt.toString());
        node.put("fresh", fresh);
        ObjectNode counts = node.putObject("restarts");
        restarts.forEach(counts::put);
        ObjectNode seen = node.putObject("polls");
        polls.forEach((app, poll) -> {
            ObjectNode one = seen.putObject(app);
            one.put("failedAt", poll.failedAt() == null ? null : poll.failedAt().toString());
            one.put(
                    "answeredAt",
                    poll.answeredAt() == null ? null : poll.answeredAt().toString());
            one.put("answeredBefore", poll.answeredBefore());
        });
        return node.toString();
    }

    /** The baseline in {@code json} ({@link #toJson()}); empty for null or anything else. */
    public static Optional<Pm2Baseline> fromJson(String json) {
        if (json == null || json.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(json);
            Map<String, Integer> restarts = new LinkedHashMap<>();
            node.path("restarts")
                    .fields()
                    .forEachRemaining(e -> restarts.put(e.getKey(), e.getValue().asInt()));
            Map<String, Poll> seen = new LinkedHashMap<>();
            node.path("polls")
                    .fields()
                    .forEachRemaining(e -> seen.put(
                            e.getKey(),
                            new Poll(
                                    instant(e.getValue().path("failedAt")),
                                    instant(e.getValue().path("answeredAt")),
                                    e.getValue().path("answeredBefore").asBoolean(true))));
            return Optional.of(new Pm2Baseline(
                    Instant.parse(node.path("reloadedAt").asText()),
                    restarts,
                    node.path("fresh").asBoolean(false),
                    seen));
        } catch (JsonProcessingException | DateTimeException e) {
            return Optional.empty();
        }
    }

    private static Instant instant(JsonNode node) {
        return node.isTextual() ? Instant.parse(node.asText()) : null;
    }
}

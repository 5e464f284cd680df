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
 */
public record Pm2Baseline(Instant reloadedAt, Map<String, Integer> restarts, boolean fresh) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Pm2Baseline {
        restarts = Map.copyOf(restarts);
    }

    /** A baseline after a reload ({@code fresh} false). */
    public Pm2Baseline(Instant reloadedAt, Map<String, Integer> restarts) {
        this(reloadedAt, restarts, false);
    }

    /** The baseline of apps as {@code pm2 jlist} showed them after a reload that began at {@code reloadedAt}. */
    public static Pm2Baseline of(Instant reloadedAt, List<Pm2Process> apps) {
        return new Pm2Baseline(reloadedAt, restartsByApp(apps), false);
    }

    /** The baseline of apps deleted and started afresh from {@code startedAt} on ({@link Pm2Client#restartFresh}). */
    public static Pm2Baseline fresh(Instant startedAt, List<Pm2Process> apps) {
        return new Pm2Baseline(startedAt, restartsByApp(apps), true);
    }

    /** {@code restart_time} by app name, summed over the instances of each app (cluster mode lists one per worker). */
    public static Map<String, Integer> restartsByApp(List<Pm2Process> processes) {
        Map<String, Integer> restarts = new LinkedHashMap<>();
        processes.forEach(p -> restarts.merge(p.name(), p.restarts(), Integer::sum));
        return restarts;
    }

    /** {@code {"reloadedAt":"<ISO-8601>","fresh":false,"restarts":{"<app>":<count>}}}. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("reloadedAt", reloadedAt.toString());
        node.put("fresh", fresh);
        ObjectNode counts = node.putObject("restarts");
        restarts.forEach(counts::put);
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
            return Optional.of(new Pm2Baseline(
                    Instant.parse(node.path("reloadedAt").asText()),
                    restarts,
                    node.path("fresh").asBoolean(false)));
        } catch (JsonProcessingException | DateTimeException e) {
            return Optional.empty();
        }
    }
}

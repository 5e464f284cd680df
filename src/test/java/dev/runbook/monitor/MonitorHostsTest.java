package dev.runbook.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run-level health report of a target with many hosts stays a readable JSON short enough for its variable. */
class MonitorHostsTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldCutEachHostsEntryRatherThanTheJsonWhenManyHostsReport() throws Exception {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            hosts.add("web-" + i);
        }
        MonitorHosts merge =
                new MonitorHosts(target -> hosts, target -> Duration.ofSeconds(3), (host, run) -> List.of(), json);
        String big = "x".repeat(3000);
        String report = null;
        boolean all = true;
        for (String host : hosts) {
            boolean healthy = !host.equals("web-7");
            String own = json.writeValueAsString(java.util.Map.of(
                    "status",
                    healthy ? "HEALTHY" : "UNHEALTHY",
                    "reasons",
                    healthy ? List.of() : List.of("backend: app errored"),
                    "system",
                    big));
            all = all && healthy;
            report = merge.fleetReport(report, "shop", host, all, healthy, null, own);
            assertThat(report.length()).as("after %s", host).isLessThanOrEqualTo(MonitorCheckDelegate.MAX_REPORT_CHARS);
            JsonNode whole = json.readTree(report);
            assertThat(whole.path("hosts").size())
                    .as("every host so far, after %s", host)
                    .isEqualTo(hosts.indexOf(host) + 1);
        }
        // each host's status and reasons fit: the long parts went
        JsonNode whole = json.readTree(report);
        assertThat(whole.path("status").asText()).isEqualTo("UNHEALTHY");
        assertThat(whole.path("hosts").path("web-7").path("status").asText()).isEqualTo("UNHEALTHY");
        assertThat(whole.path("hosts").path("web-7").path("reasons").get(0).asText())
                .isEqualTo("backend: app errored");
        assertThat(whole.path("hosts").path("web-40").path("status").asText()).isEqualTo("HEALTHY");
        assertThat(whole.path("hosts").path("web-40").has("system")).isFalse();
    }

    @Test
    void shouldKeepOnlyEachHostsStatusWhenEvenTheReasonsDoNotFit() throws Exception {
        List<String> hosts = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            hosts.add("web-" + i);
        }
        MonitorHosts merge =
                new MonitorHosts(target -> hosts, target -> Duration.ofSeconds(3), (host, run) -> List.of(), json);
        String report = null;
        for (String host : hosts) {
            // every host unhealthy with a long reason: 40 reasons alone are longer than a variable holds
            report = merge.fleetReport(report, "shop", host, false, false, "backend: " + "y".repeat(200), null);
            assertThat(report.length()).as("after %s", host).isLessThanOrEqualTo(MonitorCheckDelegate.MAX_REPORT_CHARS);
        }
        JsonNode whole = json.readTree(report);
        assertThat(whole.path("hosts").size()).isEqualTo(40);
        assertThat(whole.path("hosts").path("web-1").asText()).isEqualTo("UNHEALTHY");
        assertThat(whole.path("hosts").path("web-40").asText()).isEqualTo("UNHEALTHY");
    }

    @Test
    void shouldKeepEachHostsWholeReportWhileItFits() throws Exception {
        MonitorHosts merge = new MonitorHosts(
                target -> List.of("web-1", "web-2"), target -> Duration.ofSeconds(3), (host, run) -> List.of(), json);
        String one =
                merge.fleetReport(null, "shop", "web-1", true, true, null, "{\"status\":\"HEALTHY\",\"tookMs\":3001}");
        String both = merge.fleetReport(one, "shop", "web-2", false, false, "backend: port 3000 not listening", null);
        JsonNode whole = json.readTree(both);
        assertThat(whole.path("target").asText()).isEqualTo("shop");
        assertThat(whole.path("status").asText()).isEqualTo("UNHEALTHY");
        assertThat(whole.path("hosts").path("web-1").path("tookMs").asInt()).isEqualTo(3001);
        assertThat(whole.path("hosts").path("web-2").path("reasons").get(0).asText())
                .isEqualTo("backend: port 3000 not listening");
    }
}

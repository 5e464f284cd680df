package dev.runbook.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/notifications.md shows one example body per event kind: each must be exactly what {@link TargetNotifier}
 * sends for that example (same fields, same order, same values), and every kind must be there.
 */
class NotificationDocsTest {

    static final Path DOC = Path.of("docs/notifications.md");
    static final Instant AT = Instant.parse("2025-01-31T10:00:00Z");
    static final String RUN_PAGE = "https://runbook.example.com/runs/";
    static final RunNotifications runs = new RunNotifications(
            null, new NotificationProperties(URI.create("https://runbook.example.com"), Map.of()), null, null, null);

    private final ObjectMapper json = new ObjectMapper();

    /** The examples of the doc, made by the classes that make them in the platform where they can be. */
    static List<Notification> examples() {
        Instant since = Instant.parse("2025-01-31T09:58:30Z");
        return List.of(
                new Notification.ApprovalWaiting(
                        "shop",
                        "8f14e45f-ea2b-11ef-9c47-0242ac120002",
                        "deploy",
                        AT,
                        "Approval waiting: Approve release — deploy of v1.4.0 (3f2a9c1 Fix checkout totals) on shop, "
                                + "requested by alice; decide by 2025-02-01T10:00:00Z. https://runbook.example.com"
                                + "/camunda/app/tasklist/default/#/?task=9a1b2c3d-ea2b-11ef-9c47-0242ac120002",
                        "9a1b2c3d-ea2b-11ef-9c47-0242ac120002",
                        "https://runbook.example.com/camunda/app/tasklist"
                                + "/default/#/?task=9a1b2c3d-ea2b-11ef-9c47-0242ac120002",
                        "alice",
                        Instant.parse("2025-02-01T10:00:00Z")),
                new Notification.HostDecisionWaiting(
                        "shop",
                        "8f14e45f-ea2b-11ef-9c47-0242ac120002",
                        "deploy",
                        AT,
                        "Host web-2 failed in deploy on shop: Task_HealthCheck: HEALTH_CHECK_FAILED: pm2 app 'shop-api'"
                                + " restarted 3 time(s) since the reload. An operator decides: retry that host, or roll"
                                + " every host back ('runbook decide 8f14e45f-ea2b-11ef-9c47-0242ac120002"
                                + " retry|rollback', or the run page); without a decision by 2025-02-01T10:00:00Z every"
                                + " host rolls back. https://runbook.example.com/runs/8f14e45f-ea2b-11ef-9c47-0242ac120002",
                        "web-2",
                        "Task_HealthCheck: HEALTH_CHECK_FAILED: pm2 app 'shop-api' restarted 3 time(s) since the reload",
                        "https://runbook.example.com/runs/8f14e45f-ea2b-11ef-9c47-0242ac120002",
                        Instant.parse("2025-02-01T10:00:00Z")),
                runs.runEnded(
                                "8f14e45f-ea2b-11ef-9c47-0242ac120002",
                                "deploy",
                                Map.of(
                                        "target",
                                        "shop",
                                        "runOutcome",
                                        "ROLLED_BACK",
                                        "failureCode",
                                        "HEALTH_CHECK_FAILED",
                                        "failedStep",
                                        "Task_HealthCheck",
                                        "failureMessage",
                                        "GET http://127.0.0.1:3000/health: HTTP 502 " + "(10 attempts)"),
                                AT)
                        .orElseThrow(),
                runs.runEnded(
                                "c9f0f895-ea2b-11ef-9c47-0242ac120002",
                                "backup",
                                Map.of(
                                        "target",
                                        "shop",
                                        "runOutcome",
                                        "FAILED",
                                        "failureCode",
                                        "BACKUP_FAILED",
                                        "failedStep",
                                        "Task_Backup",
                                        "failureMessage",
                                        "No space left on device"),
                                AT)
                        .orElseThrow(),
                new Notification.TargetUnhealthy(
                        "shop",
                        "45c48cce-ea2b-11ef-9c47-0242ac120002",
                        AT,
                        "Target shop is UNHEALTHY since " + since + ": pm2 app 'shop-api' is stopped; "
                                + "health URL http://127.0.0.1:3000/health: connection refused",
                        List.of(
                                "pm2 app 'shop-api' is stopped",
                                "health URL http://127.0.0.1:3000/health: " + "connection refused"),
                        since),
                new Notification.TargetRecovered(
                        "shop",
                        "d3d94468-ea2b-11ef-9c47-0242ac120002",
                        Instant.parse("2025-01-31T10:04:30Z"),
                        "Target shop is HEALTHY again after 360 s " + "(unhealthy since " + since + ")",
                        since));
    }

    /** The database backup's notification, as DbBackupFailureDelegate words it. */
    static Notification databaseBackupFailed() {
        String url = RUN_PAGE + "6512bd43-ea2b-11ef-9c47-0242ac120002";
        return new Notification.BackupFailed(
                "shop",
                "6512bd43-ea2b-11ef-9c47-0242ac120002",
                "db-backup",
                AT,
                "Database backup failed on shop: BACKUP_FAILED at Task_DumpDatabase — mongodump exited 1: "
                        + "connection refused. " + url,
                "FAILED",
                url,
                "BACKUP_FAILED");
    }

    /** The doc's JSON examples, by the heading above them ("### `RUN_ENDED` ..." -> that kind's first example). */
    private Map<String, List<JsonNode>> documented() throws Exception {
        String doc = Files.readString(DOC);
        Map<String, List<JsonNode>> examples = new LinkedHashMap<>();
        Matcher section = Pattern.compile("(?m)^### `([A-Z_]+)`").matcher(doc);
        List<int[]> bounds = new java.util.ArrayList<>();
        List<String> names = new java.util.ArrayList<>();
        while (section.find()) {
            names.add(section.group(1));
            bounds.add(new int[] {section.end()});
        }
        for (int i = 0; i < names.size(); i++) {
            int end = i + 1 < bounds.size() ? bounds.get(i + 1)[0] : doc.length();
            Matcher block = Pattern.compile("(?s)```json\n(.*?)```").matcher(doc.substring(bounds.get(i)[0], end));
            List<JsonNode> bodies = new java.util.ArrayList<>();
            while (block.find()) {
                bodies.add(json.readTree(block.group(1)));
            }
            examples.put(names.get(i), bodies);
        }
        return examples;
    }

    @Test
    void shouldDocumentEveryEventKind() throws Exception {
        List<String> kinds = Arrays.stream(Notification.class.getPermittedSubclasses())
                .map(type -> examples().stream()
                        .filter(type::isInstance)
                        .findFirst()
                        .orElseThrow()
                        .event())
                .toList();

        assertThat(documented().keySet()).containsExactlyInAnyOrderElementsOf(kinds);
    }

    @Test
    void shouldShowExactlyWhatIsSentForEachKind() throws Exception {
        Map<String, List<JsonNode>> documented = documented();
        for (Notification example : examples()) {
            JsonNode sent = json.valueToTree(example.body());
            assertThat(documented.get(example.event()))
                    .as("docs/notifications.md, " + example.event() + ", should show:\n"
                            + json.writerWithDefaultPrettyPrinter().writeValueAsString(sent))
                    .isNotEmpty()
                    .first()
                    .isEqualTo(sent);
            assertThat(documented.get(example.event()).get(0).fieldNames())
                    .toIterable()
                    .containsExactlyElementsOf(() -> sent.fieldNames());
        }
        JsonNode database = json.valueToTree(databaseBackupFailed().body());
        assertThat(documented.get("BACKUP_FAILED"))
                .as("should show:\n" + json.writerWithDefaultPrettyPrinter().writeValueAsString(database))
                .contains(database);
    }
}

package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import dev.runbook.testsupport.WebhookReceiver;
import dev.runbook.testsupport.WebhookReceiver.Received;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Webhook notifications from real runs, received by a local HTTP server: an approval waiting (with a link to it),
 * runs ending ROLLED_BACK (one of them a release that crashes at boot: the reason from its error log reaches the run
 * and the notification, redacted) and EXPIRED, a failed backup; a webhook that fails at first is retried and never affects the
 * run. Target {@code shop} is a real git + npm + PM2 target; {@code quick} expires its approvals after a second and
 * its webhook answers 500 twice.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class NotificationsEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("notify-shop-backend");

    static final FixtureTarget quick = new FixtureTarget("notify-quick-backend");
    static final WebhookReceiver receiver = new WebhookReceiver().failFirst("/quick", 2);
    static final String PUBLIC_URL = "https://runbook.example.invalid";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, true);
        quick.properties(true).forEach((key, value) -> {
            if (key.startsWith("runbook.targets.shop.")) {
                registry.add(key.replace("runbook.targets.shop.", "runbook.targets.quick."), () -> value);
            }
        });
        registry.add("runbook.public-url", () -> PUBLIC_URL);
        registry.add(
                "runbook.targets.shop.webhook.url",
                () -> "http://hook:s3cret-token@127.0.0.1:" + receiver.port() + "/shop");
        registry.add("runbook.targets.shop.webhook.backoff", () -> "PT0.2S");
        registry.add("runbook.targets.quick.approval.timeout", () -> "PT1S");
        registry.add("runbook.targets.quick.webhook.url", () -> receiver.url() + "/quick?token=qu1ck-t0ken");
        registry.add("runbook.targets.quick.webhook.backoff", () -> "PT0.3S");
        // timers (the 1 s approval timeout) are picked up within a second
        registry.add("camunda.bpm.job-execution.wait-time-in-millis", () -> "500");
        registry.add("camunda.bpm.job-execution.max-wait", () -> "1000");
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    private static Received awaitEvent(String runId, String event) {
        return await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> receiver.where("runId", runId).stream()
                                .filter(r -> event.equals(r.body().get("event")))
                                .findFirst()
                                .orElse(null),
                        r -> r != null);
    }

    @Test
    @Order(1)
    void shouldNotifyWhenAnApprovalWaitsWithALinkToItAndNothingWhenTheRunDeploys() throws InterruptedException {
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v1"));
        String taskId = awaitApproval(runId);

        Received waiting = awaitEvent(runId, "APPROVAL_WAITING");
        assertThat(waiting.path()).isEqualTo("/shop");
        assertThat(waiting.authorization())
                .isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("hook:s3cret-token".getBytes(StandardCharsets.UTF_8)));
        String link = PUBLIC_URL + "/camunda/app/tasklist/default/#/?task=" + taskId;
        assertThat(waiting.body())
                .containsEntry("target", "shop")
                .containsEntry("taskId", taskId)
                .containsEntry("url", link)
                .containsEntry("requestedBy", "alice")
                .containsKey("deadline");
        assertThat((String) waiting.body().get("text"))
                .startsWith("Approval waiting: Approve release")
                .contains("deploy of v1", "on shop", "requested by alice", link);

        decide("bob", taskId, true).then().statusCode(204);
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("DEPLOYED");
        Thread.sleep(1500);
        assertThat(receiver.where("runId", runId))
                .extracting(r -> r.body().get("event"))
                .containsExactly("APPROVAL_WAITING");
    }

    @Test
    @Order(2)
    void shouldNotifyWhenARunIsRolledBack() {
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v3-broken"));
        decide("bob", awaitApproval(runId), true).then().statusCode(204);
        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("ROLLED_BACK");

        Received ended = awaitEvent(runId, "RUN_ENDED");
        assertThat(ended.body())
                .containsEntry("outcome", "ROLLED_BACK")
                .containsEntry("processKey", "deploy")
                .containsEntry("failureCode", "HEALTH_CHECK_FAILED")
                .containsEntry("url", PUBLIC_URL + "/runs/" + runId);
        assertThat((String) ended.body().get("text"))
                .startsWith("Run deploy on shop ended ROLLED_BACK: " + "HEALTH_CHECK_FAILED at Task_HealthCheck");
    }

    @Test
    @Order(3)
    void shouldRetryAFailingWebhookAndNeverLetItAffectTheRun(CapturedOutput output) {
        String runId = start("alice", "/api/targets/quick/deployments", Map.of("gitRef", "v1"));

        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("EXPIRED");
        assertThat(awaitEvent(runId, "RUN_ENDED").body()).containsEntry("outcome", "EXPIRED");
        awaitEvent(runId, "APPROVAL_WAITING");
        List<Received> sent = receiver.where("runId", runId);
        assertThat(sent)
                .hasSizeGreaterThanOrEqualTo(4)
                .allSatisfy(r -> assertThat(r.path()).isEqualTo("/quick"));
        assertThat(as("alice")
                        .get("/api/runs/" + runId)
                        .then()
                        .extract()
                        .jsonPath()
                        .getString("state"))
                .isEqualTo("ENDED");
        assertThat(output.getAll())
                .contains("webhook of target quick: attempt 1/5 failed (HTTP 500)")
                .doesNotContain("qu1ck-t0ken")
                .doesNotContain("s3cret-token");
    }

    @Test
    @Order(4)
    void shouldNotifyWhenABackupFails() throws Exception {
        Files.createDirectories(shop.dataDir.resolve("releases"));
        Files.writeString(shop.dataDir.resolve("releases/quick"), "a file where the backups of quick would go");
        String runId = start("alice", "/api/targets/quick/backups", Map.of());

        assertThat(awaitEnd(runId).getString("outcome")).isEqualTo("FAILED");
        Received failed = awaitEvent(runId, "BACKUP_FAILED");
        assertThat(failed.body()).containsEntry("failureCode", "BACKUP_FAILED").containsEntry("target", "quick");
        assertThat((String) failed.body().get("text")).startsWith("Backup failed on quick");
    }

    @Test
    @Order(5)
    void shouldSayWhyAReleaseCrashedAtBootInTheRunAndTheNotificationAndServeThePreviousOneAgain() {
        String before = shop.served();
        shop.publish("crash-at-boot", Map.of("backend/src/main.js", """
                        console.error('connecting to mongodb://shop:hunter2-db-pw@db.internal:27017/shop');
                        console.error('CATS_API_KEY is not set: refusing to start');
                        process.exit(1);
                        """));
        String runId = start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "crash-at-boot"));
        decide("bob", awaitApproval(runId), true).then().statusCode(204);

        JsonPath run = awaitEnd(runId);
        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("failure"))
                .startsWith("HEALTH_CHECK_FAILED: pm2 app '" + shop.app + "'")
                .contains("CATS_API_KEY is not set: refusing to start", "mongodb://shop:****@db.internal")
                .doesNotContain("hunter2-db-pw");
        assertThat(stepLog(runId, "Task_ReloadPreviousRelease"))
                .contains("crash-looping", "stopping it before the previous release is reloaded", "$ ")
                .contains(" stop " + shop.app);
        assertThat(shop.served()).isEqualTo(before).contains("\"status\":\"ok\"");

        Received ended = awaitEvent(runId, "RUN_ENDED");
        assertThat(ended.body())
                .containsEntry("outcome", "ROLLED_BACK")
                .containsEntry("failureCode", "HEALTH_CHECK_FAILED");
        assertThat((String) ended.body().get("text"))
                .contains("CATS_API_KEY is not set: refusing to start")
                .doesNotContain("hunter2-db-pw");
    }
}

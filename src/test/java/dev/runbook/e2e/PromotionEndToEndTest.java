package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitApproval;
import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.decide;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Environments of one application: target {@code staging} (no approval) and target {@code shop}, its
 * {@code production}, promoted from staging (approval required). A promotion deploys exactly the commit staging serves
 * and verified, even after the branch moved on, and the approval says where it passed (decided by production's own
 * approver group); promotions that do not fit are
 * refused with 409 and start nothing. Both targets are on this machine, with the same app; staging's app is removed
 * from PM2 before production deploys it.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PromotionEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("promo-backend");

    static final int STAGING_PORT = FixtureTarget.freePort();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, true);
        shop.properties(false).forEach((key, value) -> {
            if (key.startsWith("runbook.targets.shop.")) {
                String setting = key.substring("runbook.targets.shop.".length());
                String staging = switch (setting) {
                    case "root" -> shop.root.resolve("staging").toString();
                    case "env.PORT" -> String.valueOf(STAGING_PORT);
                    case "components.backend.health-url" -> stagingHealth().toString();
                    default -> value;
                };
                registry.add("runbook.targets.staging." + setting, () -> staging);
            }
        });
        registry.add("runbook.targets.staging.environment.application", () -> "shop");
        registry.add("runbook.targets.staging.environment.name", () -> "staging");
        registry.add("runbook.targets.shop.environment.application", () -> "shop");
        registry.add("runbook.targets.shop.environment.name", () -> "production");
        registry.add("runbook.targets.shop.environment.promote-from", () -> "staging");
        // production's own approvers: frank decides its approvals; bob (approvers only) decides staging's
        registry.add("runbook.targets.shop.approval.group", () -> "prodapprovers");
        registry.add("runbook.identity.users[4].id", () -> "frank");
        registry.add("runbook.identity.users[4].password", () -> "frank-pw");
        registry.add("runbook.identity.users[4].groups[0]", () -> "approvers");
        registry.add("runbook.identity.users[4].groups[1]", () -> "prodapprovers");
    }

    private static URI stagingHealth() {
        return URI.create("http://127.0.0.1:" + STAGING_PORT + "/api/health");
    }

    private static int runs() {
        return as("admin")
                .get("/engine-rest/history/process-instance/count")
                .jsonPath()
                .getInt("count");
    }

    private static void refused(String target, Map<String, ?> body, int status, String why) {
        as("alice")
                .contentType("application/json")
                .body(body)
                .post("/api/targets/" + target + "/promotions")
                .then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("detail", containsString(why));
    }

    @Test
    @Order(1)
    void shouldRefusePromotionsThatDoNotFitAndStartNothing() {
        int before = runs();
        refused("shop", Map.of("from", "staging"), 409, "no verified release");
        refused("shop", Map.of("from", "shop"), 409, "is promoted from 'staging'");
        refused("staging", Map.of("from", "shop"), 409, "takes no promotions");
        refused("shop", Map.of("from", "../staging"), 400, "from");
        assertThat(runs()).as("nothing started").isEqualTo(before);
    }

    @Test
    @Order(2)
    void shouldDeployToProductionExactlyTheCommitStagingVerified() {
        JsonPath staged = awaitEnd(start("alice", "/api/targets/staging/deployments", Map.of("gitRef", "main")));
        assertThat(staged.getString("outcome")).isEqualTo("DEPLOYED");
        String verified = shop.sha("main");
        assertThat(FixtureTarget.body(stagingHealth())).contains("\"status\":\"ok\"");
        // the branch moves on after staging verified its commit: the promotion still takes staging's
        shop.publish("main", Map.of("NOTES.md", "not verified anywhere yet\n"));
        assertThat(shop.sha("main")).isNotEqualTo(verified);
        shop.stopApp();

        String runId = start("alice", "/api/targets/shop/promotions", Map.of("from", "staging"));
        String taskId = awaitApproval(runId, "frank");
        assertThat(as("bob").get("/api/approvals").jsonPath().getList("taskId"))
                .as("bob approves staging, not production")
                .doesNotContain(taskId);
        decide("bob", taskId, true)
                .then()
                .statusCode(403)
                .body("detail", containsString("bob is not in a group that may decide this approval"));
        JsonPath approval = as("frank").get("/api/approvals").jsonPath();
        String promotion = approval.getString("find { it.taskId == '" + taskId + "' }.promotion");
        assertThat(promotion)
                .contains("staging")
                .contains(verified)
                .contains(staged.getString("backupId"))
                .contains("health-checked");
        assertThat(approval.getString("find { it.taskId == '" + taskId + "' }.toCommit"))
                .isEqualTo(verified);
        decide("frank", taskId, true).then().statusCode(204);

        JsonPath promoted = awaitEnd(runId);
        assertThat(promoted.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(shop.head()).isEqualTo(verified);
        assertThat(shop.served()).contains("\"status\":\"ok\"");
    }
}

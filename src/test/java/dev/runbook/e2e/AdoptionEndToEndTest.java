package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.pm2.Pm2Process;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A server run today from one in-place checkout (PM2 app started in it) adopted into the release layout by its first
 * deploy, while the app keeps serving: a failed first release gives the app back to the in-place checkout, a good one
 * moves it under {@code current}; the checkout is never written.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdoptionEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("adopt-shop-backend");

    static final Path inPlace = shop.root.resolve("in-place");

    @Autowired
    Pm2Client pm2;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        serveFromInPlaceCheckout();
        shop.register(registry, false);
        registry.add("runbook.targets.shop.workdir", inPlace::toString);
        registry.add("runbook.targets.shop.remote", () -> "origin");
    }

    /** What users have today: a clone of the origin at main (v2), built in place, its app started there by PM2. */
    private static void serveFromInPlaceCheckout() {
        if (Files.isDirectory(inPlace)) {
            return;
        }
        run(shop.root, "git", "clone", "--quiet", shop.origin.toString(), inPlace.toString());
        run(inPlace.resolve("backend"), "node", "build.js");
        run(
                inPlace.resolve("backend"),
                System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2"),
                "start",
                "ecosystem.config.js",
                "--only",
                shop.app);
        Awaitility.await()
                .atMost(Duration.ofMinutes(1))
                .until(() -> shop.served().contains("\"version\":\"v2\""));
    }

    private static void run(Path dir, String... argv) {
        FixtureTarget.runner()
                .runChecked(
                        new Command(
                                List.of(argv), dir, Map.of("PORT", String.valueOf(shop.port)), Duration.ofMinutes(1)),
                        StepLog.NONE);
    }

    @Test
    @Order(1)
    void shouldGiveTheAppBackToTheInPlaceCheckoutWhenTheFirstReleaseFails() {
        String digest = FixtureTarget.treeDigest(inPlace);

        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v3-broken")));

        assertThat(run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(run.getString("previousCommit"))
                .as("what served: the checkout's HEAD")
                .isEqualTo(shop.sha("v2"));
        assertThat(shop.served()).contains("\"version\":\"v2\"");
        assertThat(app().cwd()).isEqualTo(inPlace.resolve("backend").toString());
        assertThat(shop.current()).doesNotExist();
        assertThat(FixtureTarget.treeDigest(inPlace))
                .as("the in-place checkout is never written")
                .isEqualTo(digest);
    }

    @Test
    @Order(2)
    void shouldMoveTheAppUnderCurrentWithTheFirstRelease() {
        String digest = FixtureTarget.treeDigest(inPlace);

        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v1")));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(shop.served()).contains("\"version\":\"v1\"");
        assertThat(app().cwd()).isEqualTo(shop.current().resolve("backend").toString());
        assertThat(shop.currentRelease()).isEqualTo(run.getString("backupId"));
        assertThat(FixtureTarget.treeDigest(inPlace)).isEqualTo(digest);

        JsonPath next = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "v2")));
        assertThat(next.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(shop.served())
                .as("a reload after a switch runs the new release")
                .contains("\"version\":\"v2\"");
        assertThat(app().cwd()).isEqualTo(shop.current().resolve("backend").toString());
    }

    private Pm2Process app() {
        return pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow();
    }
}

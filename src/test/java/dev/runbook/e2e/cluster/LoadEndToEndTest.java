package dev.runbook.e2e.cluster;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * 200 runbook starts from 20 concurrent clients against one node: no 5xx, every run ends with its outcome. The
 * runs are backups (pins of the serving release) of the fixture target; PM2 is a stand-in that prints an empty process list, so the load
 * is on the platform (REST, engine, job executor, database), not on spawning 200 PM2 clients.
 */
@PlatformTest
class LoadEndToEndTest {

    static final FixtureTarget shop = new FixtureTarget("load-shop-backend");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        shop.register(registry, true);
        Path pm2 = shop.root.resolve("pm2-stand-in");
        Files.writeString(pm2, "#!/bin/sh\necho '[]'\n");
        Files.setPosixFilePermissions(pm2, PosixFilePermissions.fromString("rwxr-xr-x"));
        registry.add("runbook.tools.pm2", pm2::toString);
        Files.createDirectories(shop.home.resolve("releases/load-test"));
        shop.switchCurrent("load-test");
    }

    @Test
    void shouldStartAndFinishTwoHundredRunsFromTwentyClientsWithoutServerErrors() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(20);
        List<Future<Response>> replies = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            replies.add(clients.submit(
                    () -> given().auth().preemptive().basic("alice", "alice-pw").post("/api/targets/shop/backups")));
        }
        List<String> runIds = new ArrayList<>();
        for (Future<Response> reply : replies) {
            Response response = reply.get();
            assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
            runIds.add(response.jsonPath().getString("runId"));
        }
        clients.shutdown();
        assertThat(runIds).doesNotHaveDuplicates().hasSize(200);

        Awaitility.await()
                .atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> given().auth()
                                .preemptive()
                                .basic("alice", "alice-pw")
                                .get("/api/runs?processKey=backup&limit=500")
                                .then()
                                .statusCode(200)
                                .extract()
                                .jsonPath()
                                .getList("findAll { it.state == 'ENDED' }")
                                .size()
                        == 200);
        List<String> outcomes = given().auth()
                .preemptive()
                .basic("alice", "alice-pw")
                .get("/api/runs?processKey=backup&limit=500")
                .jsonPath()
                .getList("outcome", String.class);
        assertThat(outcomes).hasSize(200).containsOnly("BACKED_UP");
    }
}

package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An update of one component of a two-component target on the release layout: the new release builds only the chosen
 * component and carries the other one over from the serving release as hard links, so that one keeps serving exactly
 * what it served, built once.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpdateEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("update-shop-backend");

    static final int FRONT_PORT = FixtureTarget.freePort();
    static final String FRONT_APP = "update-shop-frontend";

    static String first;
    static String second;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        String front = "runbook.targets.shop.components.frontend.";
        registry.add("runbook.targets.shop.env.FRONT_PORT", () -> String.valueOf(FRONT_PORT));
        registry.add(front + "dir", () -> "frontend");
        registry.add(front + "pm2-app", () -> FRONT_APP);
        registry.add(front + "ecosystem", () -> "frontend/ecosystem.config.js");
        registry.add(front + "health-url", () -> "http://127.0.0.1:" + FRONT_PORT + "/");
        first = shop.publishCommits("two-components", List.of(frontend("f1"), backendVersion("b1")));
        second = shop.publishCommits(
                "two-components-next", List.of(frontend("f1"), backendVersion("b2"), frontend("f2")));
    }

    private static Map<String, String> frontend(String version) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("frontend/package.json", """
                { "name": "front", "version": "1.0.0", "private": true, "scripts": { "build": "node build.js" } }
                """);
        files.put("frontend/package-lock.json", """
                { "name": "front", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
                  "packages": { "": { "name": "front", "version": "1.0.0" } } }
                """);
        files.put("frontend/build.js", """
                const fs = require('fs');
                fs.mkdirSync('dist', { recursive: true });
                fs.writeFileSync('dist/index.js', fs.readFileSync('server.js', 'utf8'));
                """);
        files.put("frontend/server.js", """
                require('http').createServer((req, res) => res.end('front %s'))
                  .listen(Number(process.env.FRONT_PORT), '127.0.0.1');
                """.formatted(version));
        files.put("frontend/ecosystem.config.js", """
                module.exports = { apps: [{ name: '%s', script: 'dist/index.js' }] };
                """.formatted(FRONT_APP));
        return files;
    }

    private static Map<String, String> backendVersion(String version) {
        return Map.of("backend/VERSION", version + "\n");
    }

    @Test
    @Order(1)
    void shouldDeployBothComponents() {
        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", first)));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(front()).isEqualTo("front f1");
        assertThat(shop.served()).contains("\"status\":\"ok\"");
    }

    @Test
    @Order(2)
    void shouldBuildOnlyTheChosenComponentAndCarryTheOtherOverAsHardLinks() throws IOException {
        String before = shop.currentRelease();
        Path servedBackend = shop.home.resolve("releases").resolve(before).resolve("backend/dist/main.js");

        JsonPath run = awaitEnd(
                start("alice", "/api/targets/shop/updates", Map.of("gitRef", second, "components", "frontend")));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(front()).isEqualTo("front f2");
        assertThat(shop.served()).contains("\"status\":\"ok\"");
        String after = shop.currentRelease();
        assertThat(after).isNotEqualTo(before);
        Path carried = shop.home.resolve("releases").resolve(after).resolve("backend/dist/main.js");
        assertThat(inode(carried))
                .as("the backend's build is the serving one's, linked")
                .isEqualTo(inode(servedBackend));
        assertThat(shop.home.resolve("releases").resolve(after).resolve("backend/VERSION"))
                .as("the backend is carried over as it served, not taken from the new commit")
                .hasContent("b1");
        String build = stepLog(run.getString("runId"), "Task_InstallAndBuild");
        assertThat(build).contains("component frontend").doesNotContain("component backend");
        assertThat(stepLog(run.getString("runId"), "Task_PrepareRelease"))
                .contains("component backend carried over from release " + before);
    }

    @AfterAll
    static void removeFrontendApp() {
        FixtureTarget.runner()
                .run(
                        new Command(
                                List.of(System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2"), "delete", FRONT_APP),
                                shop.root,
                                Map.of(),
                                java.time.Duration.ofMinutes(1)),
                        StepLog.NONE);
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    private static String front() {
        return FixtureTarget.body(URI.create("http://127.0.0.1:" + FRONT_PORT + "/"));
    }
}

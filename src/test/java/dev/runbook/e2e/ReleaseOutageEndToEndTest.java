package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.awaitEnd;
import static dev.runbook.testsupport.ApiClient.start;
import static dev.runbook.testsupport.ApiClient.stepLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import dev.runbook.testsupport.Poller;
import dev.runbook.testsupport.Poller.Poll;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What a user sees of a two-component target (a backend and a frontend, each one PM2 app in fork mode, each answering
 * its version) while the platform deploys: a client polls both apps every 100 ms through a good deploy, a release that
 * crashes at boot, a release whose health answers 503, a build failure, a rollback to a named release and an update of
 * the frontend alone. No answer ever comes from a release before its switch; the failed or wrong answers stay within
 * issue 14's bounds, counted in polls (not timed); a failed deploy says why the app crashed and leaves the serving
 * release's directory as it was. The methods build on each other, hence the order.
 */
@PlatformTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleaseOutageEndToEndTest {

    @RegisterExtension
    static final FixtureTarget shop = new FixtureTarget("outage-shop-backend");

    static final int FRONT_PORT = FixtureTarget.freePort();
    static final String FRONT_APP = "outage-shop-frontend";
    static final String BACKEND = "backend";
    static final String FRONTEND = "frontend";

    /** The poll interval of issue 14's measurements. */
    static final Duration EVERY = Duration.ofMillis(100);

    /**
     * A fork-mode reload stops the one process and starts it again: issue 14's goal for that gap is "under 2 s", 20
     * polls. It bounds a good deploy, a rollback and an update (4 to 9 polls seen on this 2-core machine at a load of
     * 12 to 15), and what users see once the undo's reload of the previous release has returned (0 seen).
     */
    static final int RELOAD_GAP_POLLS = 20;

    /**
     * A release that crashes at boot: the backend is reloaded first and the frontend only once it answers
     * (depends-on), so the frontend never changes; the backend's outage is its reload, the crash seen by PM2 (the
     * reload step's listing, or the health poll's look at the process table within 250 ms of its exit), the switch
     * back and the previous release's reload: 7 to 10 polls seen at a load of 1.5, 18 with two busy loops on the two
     * cores, 23 right after a compile at a load of 2.6. Issue 14's goal (under 2 s) is measured by
     * {@code bench/releases.py}; this bound is what the behaviour guarantees on a loaded machine, far below the
     * health check's attempts (10 of 2 s) that a crash cost before.
     */
    static final int CRASH_POLLS = 50;

    /**
     * A release whose health answers 503: the health check fails once the app has answered without 2xx for
     * {@code health.unhealthy-grace} (1 s): 19 to 21 polls seen at a load of 1.5, 23 with two busy loops. Issue 14's
     * goal (restored within 3 s) is measured by {@code bench/releases.py}.
     */
    static final int UNHEALTHY_POLLS = 60;

    static final String RELOAD = "Task_Pm2Reload";
    static final String VERIFIED_PREVIOUS = "Task_HealthCheckPreviousRelease";

    static String first;

    @Autowired
    Pm2Client pm2;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, false);
        String front = "runbook.targets.shop.components.frontend.";
        registry.add("runbook.targets.shop.env.FRONT_PORT", () -> String.valueOf(FRONT_PORT));
        registry.add(front + "dir", () -> "frontend");
        registry.add(front + "pm2-app", () -> FRONT_APP);
        registry.add(front + "ecosystem", () -> "frontend/ecosystem.config.js");
        registry.add(front + "health-url", () -> "http://127.0.0.1:" + FRONT_PORT + "/");
        registry.add(front + "depends-on", () -> BACKEND);
        publish("r1", backend("b1", 200), frontend("f1"));
        publish("r2", backend("b2", 200), frontend("f2"));
        publish("crash-at-boot", Map.of("backend/src/main.js", """
                console.error('CATS_API_KEY is not set: refusing to start');
                process.exit(1);
                """), frontend("f3"));
        publish("unhealthy", backend("b4", 503), frontend("f4"));
        Map<String, String> buildFails = new LinkedHashMap<>(backend("b5", 200));
        buildFails.put(
                "backend/build.js", "console.error('build failed: type error in src/main.ts'); process.exit(1);\n");
        publish("build-broken-both", buildFails, frontend("f5"));
        publish("front-only", backend("b6", 200), frontend("f6"));
    }

    private static void publish(String branch, Map<String, String> backend, Map<String, String> frontend) {
        Map<String, String> files = new LinkedHashMap<>(backend);
        files.putAll(frontend);
        shop.publishCommits(branch, List.of(files));
    }

    /** The backend's code: answers every path with {@code status} and its version. */
    private static Map<String, String> backend(String version, int status) {
        return Map.of("backend/src/main.js", """
                require('http').createServer((req, res) => {
                  res.writeHead(%d, { 'Content-Type': 'application/json' });
                  res.end(JSON.stringify({ status: %d === 200 ? 'ok' : 'failing', version: '%s' }));
                }).listen(Number(process.env.PORT), '127.0.0.1');
                """.formatted(status, status, version));
    }

    /** A frontend built by copying its server into dist/, answering its version. */
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
                require('http').createServer((req, res) => {
                  res.writeHead(200, { 'Content-Type': 'application/json' });
                  res.end(JSON.stringify({ version: '%s' }));
                }).listen(Number(process.env.FRONT_PORT), '127.0.0.1');
                """.formatted(version));
        files.put("frontend/ecosystem.config.js", """
                module.exports = { apps: [{ name: '%s', script: 'dist/index.js' }] };
                """.formatted(FRONT_APP));
        return files;
    }

    @Test
    @Order(1)
    void shouldDeployBothComponents() {
        JsonPath run = awaitEnd(start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "r1")));

        assertThat(run.getString("outcome")).isEqualTo("DEPLOYED");
        assertThat(poll(BACKEND).servedBy("b1")).as("backend serves b1").isTrue();
        assertThat(poll(FRONTEND).servedBy("f1")).as("frontend serves f1").isTrue();
        first = shop.currentRelease();
    }

    @Test
    @Order(2)
    void shouldServeTheNewReleaseOnlyAfterItsSwitchWithAtMostTheReloadGap() {
        Observed seen = observe(() -> start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "r2")));

        assertThat(seen.run.getString("outcome")).isEqualTo("DEPLOYED");
        seen.assertNoAnswerBeforeTheSwitch(BACKEND, "b2").assertNoAnswerBeforeTheSwitch(FRONTEND, "f2");
        seen.assertOutage(BACKEND, Set.of("b1", "b2"), RELOAD, "Task_HealthCheck", RELOAD_GAP_POLLS);
        seen.assertOutage(FRONTEND, Set.of("f1", "f2"), RELOAD, "Task_HealthCheck", RELOAD_GAP_POLLS);
        seen.assertServesAtTheEnd("b2", "f2");
    }

    @Test
    @Order(3)
    void shouldRollBackAReleaseThatCrashesAtBootSayingWhyAndRestoreByASwitchAndAReload() {
        String serving = shop.currentRelease();
        String digest = servingDigest(serving);
        long frontendPid =
                pm2.find(FRONT_APP, shop.home, StepLog.NONE).orElseThrow().pid();

        Observed seen =
                observe(() -> start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "crash-at-boot")));

        assertThat(seen.run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(seen.run.getString("failure"))
                .startsWith("HEALTH_CHECK_FAILED")
                .contains(shop.app, "CATS_API_KEY is not set: refusing to start");
        assertRestored(seen, serving, digest, CRASH_POLLS);
        assertFrontendNeverReloaded(seen, frontendPid);
    }

    @Test
    @Order(4)
    void shouldRollBackAReleaseAnswering503AndRestoreByASwitchAndAReload() {
        String serving = shop.currentRelease();
        String digest = servingDigest(serving);
        long frontendPid =
                pm2.find(FRONT_APP, shop.home, StepLog.NONE).orElseThrow().pid();

        Observed seen = observe(() -> start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "unhealthy")));

        assertThat(seen.run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(seen.run.getString("failure"))
                .startsWith("HEALTH_CHECK_FAILED")
                .contains("503");
        seen.assertNoAnswerBeforeTheSwitch(BACKEND, "b4");
        assertRestored(seen, serving, digest, UNHEALTHY_POLLS);
        assertFrontendNeverReloaded(seen, frontendPid);
    }

    /**
     * The backend is reloaded first and must answer before the frontend is: when it does not, the new frontend never
     * serves, the frontend misses no answer at all, and the undo leaves it alone.
     */
    private void assertFrontendNeverReloaded(Observed seen, long frontendPid) {
        seen.assertOutage(FRONTEND, Set.of("f2"), RELOAD, VERIFIED_PREVIOUS, 0);
        assertThat(pm2.find(FRONT_APP, shop.home, StepLog.NONE).orElseThrow().pid())
                .as("the frontend's process, neither reloaded nor restarted")
                .isEqualTo(frontendPid);
    }

    /**
     * After a release that failed its health check: users saw at most {@code bound} failed or wrong answers of the
     * backend, only between the reload of the new release and the verified restore, none once the previous release was reloaded beyond its reload gap, and
     * b2/f2 serve at the end from the unchanged serving release.
     */
    private void assertRestored(Observed seen, String serving, String digest, int bound) {
        seen.assertOutage(BACKEND, Set.of("b2"), RELOAD, VERIFIED_PREVIOUS, bound);
        seen.assertOutage(FRONTEND, Set.of("f2"), RELOAD, VERIFIED_PREVIOUS, Integer.MAX_VALUE);
        seen.assertRestoredWithinTheReloadGap("b2", "f2");
        seen.assertServesAtTheEnd("b2", "f2");
        assertThat(shop.currentRelease()).isEqualTo(serving);
        assertThat(servingDigest(serving))
                .as("nothing changed inside the serving release")
                .isEqualTo(digest);
    }

    @Test
    @Order(5)
    void shouldKeepServingWithoutAFailedAnswerWhenTheBuildFails() {
        String serving = shop.currentRelease();
        String digest = servingDigest(serving);
        long backendPid =
                pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow().pid();

        Observed seen =
                observe(() -> start("alice", "/api/targets/shop/deployments", Map.of("gitRef", "build-broken-both")));

        assertThat(seen.run.getString("outcome")).isEqualTo("ROLLED_BACK");
        assertThat(seen.run.getString("failure")).startsWith("COMMAND_FAILED").contains("npm run build");
        assertThat(seen.run.getList("steps.activityId")).doesNotContain("Task_SwitchRelease");
        seen.assertOutage(BACKEND, Set.of("b2"), RELOAD, RELOAD, 0);
        seen.assertOutage(FRONTEND, Set.of("f2"), RELOAD, RELOAD, 0);
        assertThat(shop.currentRelease()).isEqualTo(serving);
        assertThat(servingDigest(serving))
                .as("nothing changed inside the serving release")
                .isEqualTo(digest);
        assertThat(pm2.find(shop.app, shop.home, StepLog.NONE).orElseThrow().pid())
                .as("the backend serving b2 was never restarted")
                .isEqualTo(backendPid);
    }

    @Test
    @Order(6)
    void shouldRollBackToANamedReleaseWithAtMostTheReloadGap() {
        Observed seen = observe(() -> start("alice", "/api/targets/shop/rollbacks", Map.of("releaseId", first)));

        assertThat(seen.run.getString("outcome")).isEqualTo("RESTORED");
        assertThat(shop.currentRelease()).isEqualTo(first);
        seen.assertNoAnswerBeforeTheSwitch(BACKEND, "b1").assertNoAnswerBeforeTheSwitch(FRONTEND, "f1");
        seen.assertOutage(BACKEND, Set.of("b2", "b1"), RELOAD, "Task_HealthCheck", RELOAD_GAP_POLLS);
        seen.assertOutage(FRONTEND, Set.of("f2", "f1"), RELOAD, "Task_HealthCheck", RELOAD_GAP_POLLS);
        seen.assertServesAtTheEnd("b1", "f1");
        assertThat(stepLog(seen.run.getString("runId"), "Task_SwitchRelease")).doesNotContain("$ npm");
    }

    @Test
    @Order(7)
    void shouldUpdateTheFrontendAloneWhileTheBackendNeverMissesAnAnswer() throws IOException {
        String before = shop.currentRelease();
        Path servedBackend = shop.home.resolve("releases").resolve(before).resolve("backend/dist/main.js");

        Observed seen = observe(() ->
                start("alice", "/api/targets/shop/updates", Map.of("gitRef", "front-only", "components", "frontend")));

        assertThat(seen.run.getString("outcome")).isEqualTo("DEPLOYED");
        seen.assertNoAnswerBeforeTheSwitch(FRONTEND, "f6");
        seen.assertOutage(BACKEND, Set.of("b1"), RELOAD, RELOAD, 0);
        seen.assertOutage(FRONTEND, Set.of("f1", "f6"), RELOAD, "Task_HealthCheck", RELOAD_GAP_POLLS);
        seen.assertServesAtTheEnd("b1", "f6");
        String after = shop.currentRelease();
        assertThat(after).isNotEqualTo(before);
        Path carried = shop.home.resolve("releases").resolve(after).resolve("backend/dist/main.js");
        assertThat(inode(carried))
                .as("the backend's build is the serving one's, linked")
                .isEqualTo(inode(servedBackend));
        assertThat(Files.readString(carried))
                .as("the backend is carried over as it served, not taken from the new commit")
                .contains("'b1'");
        String runId = seen.run.getString("runId");
        assertThat(stepLog(runId, "Task_InstallAndBuild"))
                .contains("component frontend")
                .doesNotContain("component backend");
        assertThat(stepLog(runId, "Task_PrepareRelease"))
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
                                Duration.ofMinutes(1)),
                        StepLog.NONE);
    }

    /** Polls both apps every 100 ms while the run {@code started} starts and ends. */
    private static Observed observe(Supplier<String> started) {
        try (Poller poller = Poller.start(urls(), EVERY, Duration.ofSeconds(5))) {
            JsonPath run = awaitEnd(started.get());
            poller.close();
            return new Observed(run, Map.of(BACKEND, poller.polls(BACKEND), FRONTEND, poller.polls(FRONTEND)));
        }
    }

    private static Map<String, URI> urls() {
        return Map.of(BACKEND, shop.healthUrl(), FRONTEND, URI.create("http://127.0.0.1:" + FRONT_PORT + "/"));
    }

    /** One poll of app {@code name} now. */
    private static Poll poll(String name) {
        try (Poller poller = Poller.start(Map.of(name, urls().get(name)), EVERY, Duration.ofSeconds(5))) {
            org.awaitility.Awaitility.await().until(() -> !poller.polls(name).isEmpty());
            return poller.polls(name).get(0);
        }
    }

    private static String servingDigest(String release) {
        return FixtureTarget.treeDigest(shop.home.resolve("releases").resolve(release));
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** A run and what the poller saw of each app while it ran. */
    private record Observed(JsonPath run, Map<String, List<Poll>> polls) {

        /** When the run's step {@code activityId} (not a compensation) started or ended ({@code field}). */
        Instant step(String activityId, String field) {
            String at =
                    run.getString("steps.find { it.activityId == '" + activityId + "' && !it.compensation }." + field);
            assertThat(at).as("%s of %s", field, activityId).isNotNull();
            return Instant.parse(at);
        }

        /** No answer from {@code version} arrived before the run's switch of {@code current} ended. */
        Observed assertNoAnswerBeforeTheSwitch(String app, String version) {
            Instant switched = step("Task_SwitchRelease", "endedAt");
            assertThat(polls.get(app))
                    .as("answers of %s from %s before the switch at %s", app, version, switched)
                    .filteredOn(p -> version.equals(p.version()) && p.received().isBefore(switched))
                    .isEmpty();
            return this;
        }

        /**
         * The polls of {@code app} that got no 200 from one of {@code versions}: each arrived between the start of
         * step {@code from} and the end of step {@code to}, and there are at most {@code bound} of them.
         */
        List<Poll> assertOutage(String app, Set<String> versions, String from, String to, int bound) {
            List<Poll> all = polls.get(app);
            assertThat(all).as("the poller got answers from %s", app).isNotEmpty();
            List<Poll> bad = all.stream()
                    .filter(p -> !p.ok() || !versions.contains(p.version()))
                    .toList();
            System.out.printf(
                    "outage %s %s %s: %d failed or wrong of %d polls (%s)%n",
                    run.getString("processKey"),
                    run.getString("gitRef"),
                    app,
                    bad.size(),
                    all.size(),
                    bound == Integer.MAX_VALUE ? "not bounded" : "bound " + bound);
            assertThat(bad)
                    .as(
                            "failed or wrong answers of %s (of %d polls; answers from %s expected)",
                            app, all.size(), versions)
                    .hasSizeLessThanOrEqualTo(bound);
            if (!bad.isEmpty()) {
                Instant started = step(from, "startedAt");
                Instant ended = step(to, "endedAt");
                assertThat(bad)
                        .as("failed or wrong answers of %s outside %s (%s) .. %s (%s)", app, from, started, to, ended)
                        .allMatch(p ->
                                !p.received().isBefore(started) && !p.received().isAfter(ended));
            }
            return bad;
        }

        /**
         * Once the undo's reload of the previous release returned, at most {@link #RELOAD_GAP_POLLS} polls of each app
         * got anything but 200 from it: the restore is a switch and a reload, its own gap, nothing more.
         */
        void assertRestoredWithinTheReloadGap(String backend, String frontend) {
            Instant reloaded = step("Task_ReloadPreviousRelease", "endedAt");
            for (Map.Entry<String, String> app :
                    Map.of(BACKEND, backend, FRONTEND, frontend).entrySet()) {
                List<Poll> late = polls.get(app.getKey()).stream()
                        .filter(p -> p.received().isAfter(reloaded) && !p.servedBy(app.getValue()))
                        .toList();
                System.out.printf(
                        "outage %s %s %s: %d failed or wrong after the previous release's reload%n",
                        run.getString("processKey"), run.getString("gitRef"), app.getKey(), late.size());
                assertThat(late)
                        .as(
                                "answers of %s not from %s after the reload of the previous release",
                                app.getKey(), app.getValue())
                        .hasSizeLessThanOrEqualTo(RELOAD_GAP_POLLS);
            }
        }

        /** The last polls of the run got 200 from these versions. */
        void assertServesAtTheEnd(String backend, String frontend) {
            assertThat(last(BACKEND).servedBy(backend))
                    .as("backend at the end: %s", last(BACKEND))
                    .isTrue();
            assertThat(last(FRONTEND).servedBy(frontend))
                    .as("frontend at the end: %s", last(FRONTEND))
                    .isTrue();
        }

        private Poll last(String app) {
            List<Poll> all = polls.get(app);
            return all.get(all.size() - 1);
        }
    }
}

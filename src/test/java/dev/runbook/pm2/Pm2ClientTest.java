package dev.runbook.pm2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.testsupport.FixtureTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pm2Client} against the real PM2 (the build's {@code PM2_HOME}): several apps reloaded in one step are listed
 * online with the restart counts the health check watches from, a misnamed app fails the reload, and a service-control
 * start of an app that crashes after {@code pm2 start} exited 0 fails over the stability window.
 */
class Pm2ClientTest {

    private static final Duration WINDOW = Duration.ofMillis(1500);

    @TempDir
    Path dir;

    final Pm2Client pm2 = new Pm2Client(
            FixtureTarget.runner(),
            new ObjectMapper(),
            new RunbookProperties(
                    Path.of("."),
                    new Tools(
                            "git",
                            "npm",
                            System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2"),
                            null,
                            null,
                            null,
                            null,
                            null),
                    null,
                    Map.of()));
    final List<String> started = new ArrayList<>();

    @AfterEach
    void deleteApps() {
        started.forEach(app -> pm2.delete(app, dir, StepLog.NONE));
    }

    @Test
    void shouldShowTheSaveOfAPlanInAnAbsoluteDirectoryLikeEveryOtherStep() {
        // the demo's root is relative (data/demo/shop): an approver read that one step's directory as relative
        assertThat(pm2.saveCommand(Path.of("data/demo/shop")).dir())
                .isAbsolute()
                .isEqualTo(Path.of("data/demo/shop").toAbsolutePath());
    }

    @Test
    void shouldReportEveryAppOnlineWhenAllStayUpOverTheWindow() throws IOException {
        Pm2Client.App backend = app("backend", "setInterval(() => {}, 1000);");
        Pm2Client.App frontend = app("frontend", "setInterval(() => {}, 1000);");

        List<Pm2Process> apps = pm2.startOrReload(List.of(backend, frontend), Map.of(), StepLog.NONE);

        assertThat(apps).extracting(Pm2Process::name).containsExactly(backend.name(), frontend.name());
        assertThat(apps).allSatisfy(app -> assertThat(app.online()).isTrue());
        assertThat(Pm2Baseline.of(Instant.now(), apps).restarts()).containsOnlyKeys(backend.name(), frontend.name());
        // a second deploy reloads the running apps and judges them the same way
        assertThat(pm2.startOrReload(List.of(backend, frontend), Map.of(), StepLog.NONE))
                .allSatisfy(app -> assertThat(app.online()).isTrue());
    }

    @Test
    void shouldFailAServiceStartOfAnAppThatCrashesAfterPm2ExitsZero() throws IOException {
        // comes up (pm2 start exits 0, the first jlist sees it online), then dies: PM2 restarts it
        Pm2Client.App crashing = app("frontend", "setTimeout(() => process.exit(1), 300);");

        StepFailedException failure = catchThrowableOfType(
                () -> pm2.control("start", crashing, Map.of(), WINDOW, StepLog.NONE), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        // PM2 is restarting it ("restarted 2 time(s) within ...") or, on a loaded machine, has given up on it by the
        // time of the listing ("is stopped after the reload (restarts 3)"): the crash is named either way
        assertThat(failure.getMessage())
                .contains(crashing.name())
                .containsPattern("restarted \\d+ time|(stopped|errored) after the reload \\(restarts [1-9]");
    }

    @Test
    void shouldFailWhenTheEcosystemFileNamesAnotherApp() throws IOException {
        Pm2Client.App real = app("backend", "setInterval(() => {}, 1000);");
        Pm2Client.App misnamed = new Pm2Client.App(real.ecosystem(), real.name() + "-typo");

        StepFailedException failure = catchThrowableOfType(
                () -> pm2.startOrReload(List.of(misnamed), Map.of(), StepLog.NONE), StepFailedException.class);

        assertThat(failure.code()).isEqualTo(BpmnErrors.HEALTH_CHECK_FAILED);
        assertThat(failure.getMessage()).contains("no app named '" + misnamed.name() + "'");
    }

    /** A component dir with main.js and an ecosystem file for a uniquely named app. */
    private Pm2Client.App app(String component, String main) throws IOException {
        String name =
                "pm2-test-" + component + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path componentDir = Files.createDirectories(dir.resolve(component));
        Files.writeString(componentDir.resolve("main.js"), main + "\n");
        Path ecosystem = Files.writeString(
                componentDir.resolve("ecosystem.config.js"),
                "module.exports = { apps: [{ " + "name: '" + name
                        + "', script: 'main.js', cwd: __dirname, autorestart: true }] };\n");
        started.add(name);
        return new Pm2Client.App(ecosystem, name);
    }
}

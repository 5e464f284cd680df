package dev.runbook.testsupport;

import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the test PM2 daemon ({@code pm2 kill}, with the build's {@code PM2_HOME}) and every app it runs when the
 * test session ends, so no Node process outlives the build.
 */
public class Pm2Session implements LauncherSessionListener {

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        if (System.getenv("PM2_HOME") == null) {
            return;
        }
        String pm2 = System.getenv().getOrDefault("RUNBOOK_TOOLS_PM2", "pm2");
        try {
            FixtureTarget.runner()
                    .run(
                            new Command(List.of(pm2, "kill"), Path.of("."), Map.of(), Duration.ofSeconds(30)),
                            StepLog.NONE);
        } catch (RuntimeException e) {
            System.err.println("could not stop the test PM2 daemon: " + e.getMessage());
        }
    }
}

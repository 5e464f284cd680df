package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.testsupport.FixtureTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

class ToolHealthIndicatorTest {

    @Test
    void shouldReportAFoundToolWithItsVersion() {
        Health git = new ToolHealthIndicator("git", true, FixtureTarget.runner()).health();
        assertThat(git.getStatus()).isEqualTo(Status.UP);
        assertThat(git.getDetails()).containsEntry("found", true);
        assertThat((String) git.getDetails().get("version")).startsWith("git version");
    }

    @Test
    void shouldTakeTheVersionFromTheLastLineAfterABanner(@TempDir Path dir) throws Exception {
        // pm2 --version in a new PM2_HOME: its welcome banner and daemon messages, then the version
        Path pm2 = dir.resolve("pm2");
        Files.writeString(
                pm2,
                "#!/bin/sh\necho '                        -------------'\necho\n"
                        + "echo '[PM2] Spawning PM2 daemon with pm2_home=/tmp/x'\necho '[PM2] PM2 Successfully daemonized'\n"
                        + "echo 7.0.4\n");
        Files.setPosixFilePermissions(pm2, PosixFilePermissions.fromString("rwxr-xr-x"));
        Health health = new ToolHealthIndicator(pm2.toString(), true, FixtureTarget.runner()).health();
        assertThat(health.getDetails()).containsEntry("version", "7.0.4");
    }

    @Test
    void shouldReportAMissingToolDegradedWhenNeededAndUnknownWhenNot() {
        Health needed = new ToolHealthIndicator("/nonexistent/mongodump", true, FixtureTarget.runner()).health();
        assertThat(needed.getStatus()).isEqualTo(new Status("DEGRADED"));
        assertThat(needed.getDetails()).containsEntry("found", false).containsEntry("needed", true);
        assertThat((String) needed.getDetails().get("error")).contains("/nonexistent/mongodump");

        Health optional = new ToolHealthIndicator("/nonexistent/pg_dump", false, FixtureTarget.runner()).health();
        assertThat(optional.getStatus()).isEqualTo(Status.UNKNOWN);
    }
}

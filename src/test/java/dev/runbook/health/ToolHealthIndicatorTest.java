package dev.runbook.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.FixtureTarget;
import org.junit.jupiter.api.Test;
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
    void shouldReportAMissingToolDegradedWhenNeededAndUnknownWhenNot() {
        Health needed = new ToolHealthIndicator("/nonexistent/mongodump", true, FixtureTarget.runner()).health();
        assertThat(needed.getStatus()).isEqualTo(new Status("DEGRADED"));
        assertThat(needed.getDetails()).containsEntry("found", false).containsEntry("needed", true);
        assertThat((String) needed.getDetails().get("error")).contains("/nonexistent/mongodump");

        Health optional = new ToolHealthIndicator("/nonexistent/pg_dump", false, FixtureTarget.runner()).health();
        assertThat(optional.getStatus()).isEqualTo(Status.UNKNOWN);
    }
}

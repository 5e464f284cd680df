package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.process.ProcessVariables.StepContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a host's steps leave for its later steps is kept per host, so undoing one host never reads another's. */
class ProcessVariablesTest {

    private static final StepContext STEP = new StepContext("run-1", "deploy", "Task_Pm2Reload", null, false);

    @Test
    void shouldKeepAReloadBaselinePerRemoteHost() {
        ProcessVariables web1 = ProcessVariables.of(Map.of("host", "web-1"), STEP);
        web1.set(ProcessVariables.RELOAD_BASELINE, "{\"of\":\"web-1\"}");
        web1.set(ProcessVariables.TARGET_COMMIT, "b".repeat(40));
        assertThat(web1.written())
                .containsEntry("reloadBaseline.web-1", "{\"of\":\"web-1\"}")
                .containsEntry("targetCommit", "b".repeat(40))
                .doesNotContainKey("reloadBaseline");
        assertThat(web1.string(ProcessVariables.RELOAD_BASELINE)).isEqualTo("{\"of\":\"web-1\"}");

        ProcessVariables web2 =
                ProcessVariables.of(Map.of("host", "web-2", "reloadBaseline.web-1", "{\"of\":\"web-1\"}"), STEP);
        assertThat(web2.string(ProcessVariables.RELOAD_BASELINE)).isNull();
    }

    @Test
    void shouldKeepTheUsualNamesOnThePlatformsOwnHost() {
        ProcessVariables local = ProcessVariables.of(Map.of("host", "local"), STEP);
        local.set(ProcessVariables.APPS_RELOADED, "true");
        assertThat(local.written()).containsOnlyKeys("appsReloaded");
    }

    @Test
    void shouldReadAHostsOwnPreviousReleaseWhereItHasOne() {
        Map<String, Object> run = Map.of(
                "previousReleaseId", "20261201_000000_aaaaaaa", "hostPreviousReleaseId.web-2", "", "host", "web-2");
        assertThat(ProcessVariables.of(run, STEP).previousReleaseId())
                .as("web-2 served nothing")
                .isNull();

        Map<String, Object> web1 = new java.util.HashMap<>(run);
        web1.put("host", "web-1");
        assertThat(ProcessVariables.of(web1, STEP).previousReleaseId()).isEqualTo("20261201_000000_aaaaaaa");
    }
}

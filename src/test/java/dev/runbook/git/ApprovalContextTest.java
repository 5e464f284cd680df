package dev.runbook.git;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.approval.PlanFixtures;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.exec.Command;
import dev.runbook.exec.StepLog;
import dev.runbook.git.ApprovalContext.Direction;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.testsupport.FixtureTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The approval context against a real git repository (the demo app's releases v1 and v2), read from the target's
 * mirror {@code <root>/repo} as the resolve step leaves it.
 */
class ApprovalContextTest {

    static final FixtureTarget shop = new FixtureTarget("ctx-shop-backend");
    final ObjectMapper json = new ObjectMapper();

    private Map<String, Object> describe(
            String from, String to, Direction direction, String processKey, Target target) {
        mirror();
        return PlanFixtures.context(shop.dataDir)
                .describe(
                        new Release("shop", target, target.components(), from, to, null),
                        direction,
                        PlanFixtures.step(processKey, "Task_ResolveRelease"),
                        StepLog.NONE);
    }

    /** Makes or refreshes the mirror of the origin at {@code <root>/repo}, as Task_ResolveRelease does. */
    private static void mirror() {
        Path repo = shop.home.resolve("repo");
        List<String> argv = Files.isDirectory(repo)
                ? List.of("git", "-C", repo.toString(), "fetch", "--quiet", "--prune")
                : List.of("git", "clone", "--quiet", "--mirror", shop.origin.toString(), repo.toString());
        FixtureTarget.runner().runChecked(new Command(argv, shop.root, Map.of(), Duration.ofMinutes(1)), StepLog.NONE);
    }

    private static Target target(Database database, List<String> migrate) {
        return PlanFixtures.target(shop.home, database, Map.of("backend", PlanFixtures.backend(migrate)));
    }

    @Test
    void shouldDescribeTheCommitsChangedFilesAndPlanOfADeploy() throws Exception {
        Map<String, Object> vars =
                describe(shop.sha("v1"), shop.sha("v2"), Direction.FORWARD, "deploy", target(null, null));

        assertThat(vars.get(ProcessVariables.FROM_SUBJECT)).isEqualTo("Release v1");
        assertThat(vars.get(ProcessVariables.TO_SUBJECT)).isEqualTo("Release v2");
        assertThat(vars.get(ProcessVariables.COMMIT_COUNT)).isEqualTo(1L);
        List<Map<String, Object>> commits = json.readValue((String) vars.get(ProcessVariables.COMMITS), List.class);
        assertThat(commits).singleElement().satisfies(commit -> {
            assertThat(commit)
                    .containsEntry("sha", shop.sha("v2"))
                    .containsEntry("subject", "Release v2")
                    .containsEntry("author", "Demo Developer")
                    .containsKey("date");
        });
        assertThat(vars.get(ProcessVariables.COMMITS_TEXT))
                .asString()
                .startsWith(shop.sha("v2").substring(0, 7) + " Release v2 (Demo Developer, ");
        assertThat(json.readValue((String) vars.get(ProcessVariables.CHANGED_FILES), Map.class))
                .isEqualTo(Map.of("backend", 2));
        assertThat(vars.get(ProcessVariables.DATABASE_MIGRATION)).isEqualTo(false);
        assertThat((String) vars.get(ProcessVariables.PLAN))
                .contains(
                        "\"activityId\":\"Task_PrepareRelease\"",
                        "checks out " + shop.sha("v2").substring(0, 12) + " from the mirror",
                        "\"activityId\":\"Task_SwitchRelease\"")
                .doesNotContain("git checkout");
        assertThat(vars.get(ProcessVariables.PLAN_TEXT)).asString().startsWith("1) Prepare release directory");
    }

    @Test
    void shouldListTheCommitsARollbackTakesAway() throws Exception {
        Map<String, Object> vars =
                describe(shop.sha("v2"), shop.sha("v1"), Direction.BACKWARD, "deploy", target(null, null));

        assertThat(vars.get(ProcessVariables.COMMIT_COUNT)).isEqualTo(1L);
        assertThat((String) vars.get(ProcessVariables.COMMITS))
                .contains("Release v2")
                .doesNotContain("Release v1");
    }

    /** Found by a trial of the README: after a rollback to v1, the rollback to v2 said "0 commit(s) taken away". */
    @Test
    void shouldListTheCommitsARollbackToANewerReleaseBrings() throws Exception {
        Map<String, Object> vars =
                describe(shop.sha("v1"), shop.sha("v2"), Direction.BACKWARD, "rollback", target(null, null));

        assertThat(vars.get(ProcessVariables.COMMIT_DIRECTION)).isEqualTo("FORWARD");
        assertThat(vars.get(ProcessVariables.COMMIT_COUNT)).isEqualTo(1L);
        assertThat((String) vars.get(ProcessVariables.COMMITS))
                .contains("Release v2")
                .doesNotContain("Release v1");
        assertThat((String) vars.get(ProcessVariables.COMMITS_TEXT))
                .doesNotStartWith("TAKEN AWAY")
                .contains("Release v2");
    }

    @Test
    void shouldListTheCommitsADeployOfAnOlderReleaseTakesAway() throws Exception {
        Map<String, Object> vars =
                describe(shop.sha("v2"), shop.sha("v1"), Direction.FORWARD, "deploy", target(null, null));

        assertThat(vars.get(ProcessVariables.COMMIT_COUNT)).isEqualTo(1L);
        assertThat((String) vars.get(ProcessVariables.COMMITS))
                .contains("Release v2")
                .doesNotContain("Release v1");
        assertThat((String) vars.get(ProcessVariables.COMMITS_TEXT))
                .startsWith("TAKEN AWAY")
                .contains("Release v2");
        assertThat(vars.get(ProcessVariables.COMMIT_DIRECTION)).isEqualTo("BACKWARD");
    }

    @Test
    void shouldCapTheCommitListAtFiftyAndCountTheRest() {
        String base = shop.sha("main");
        List<Map<String, String>> changes = new java.util.ArrayList<>();
        for (int i = 1; i <= ApprovalContext.MAX_COMMITS + 2; i++) {
            changes.add(Map.of("notes/change-" + i + ".txt", "change " + i + "\n"));
        }
        String tip = shop.publishCommits("many", changes);

        Map<String, Object> vars = describe(base, tip, Direction.FORWARD, "deploy", target(null, null));

        assertThat(vars.get(ProcessVariables.COMMIT_COUNT)).isEqualTo(52L);
        assertThat(vars.get(ProcessVariables.COMMIT_DIRECTION)).isEqualTo("FORWARD");
        assertThat((String) vars.get(ProcessVariables.COMMITS))
                .contains("many: change 52")
                .doesNotContain("\"many: change 2\"");
        assertThat(vars.get(ProcessVariables.COMMITS_TEXT)).asString().endsWith("… and 2 more");
        assertThat(vars.get(ProcessVariables.CHANGED_FILES)).isEqualTo("{\"backend\":0,\"(other)\":52}");
    }

    @Test
    void shouldFlagAMigrationOnlyForADeployOfAComponentWithMigrateOnATargetWithADatabase() {
        Database database = new Database("postgresql", "postgresql://shop:pw@127.0.0.1:5432/shop");
        String v1 = shop.sha("v1");
        String v2 = shop.sha("v2");
        assertThat(describe(v1, v2, Direction.FORWARD, "deploy", target(database, List.of("npm", "run", "migrate")))
                        .get(ProcessVariables.DATABASE_MIGRATION))
                .isEqualTo(true);
        assertThat(describe(v1, v2, Direction.FORWARD, "update", target(database, List.of("npm", "run", "migrate")))
                        .get(ProcessVariables.DATABASE_MIGRATION))
                .isEqualTo(false);
        assertThat(describe(v1, v2, Direction.FORWARD, "deploy", target(null, List.of("npm", "run", "migrate")))
                        .get(ProcessVariables.DATABASE_MIGRATION))
                .isEqualTo(false);
        assertThat(describe(v1, v2, Direction.FORWARD, "deploy", target(database, null))
                        .get(ProcessVariables.DATABASE_MIGRATION))
                .isEqualTo(false);
    }

    @Test
    void shouldCountChangedFilesPerComponentDirAndTheRestAsOther() {
        Map<String, ComponentSpec> components = new java.util.LinkedHashMap<>();
        components.put("backend", PlanFixtures.backend(null));
        components.put("frontend", PlanFixtures.frontend());
        List<String> files = List.of(
                "backend/src/main.js",
                "backend/package.json",
                "frontend/index.html",
                "backend-tools/x.sh",
                "README.md");

        assertThat(ApprovalContext.byComponent(files, components))
                .containsExactly(
                        Map.entry("backend", 2), Map.entry("frontend", 1), Map.entry(ApprovalContext.OTHER_FILES, 2));
        ComponentSpec whole = new ComponentSpec(
                ".",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "app",
                "ecosystem.config.js",
                java.net.URI.create("http://127.0.0.1:1/"),
                null,
                null);
        assertThat(ApprovalContext.byComponent(files, Map.of("app", whole))).containsExactly(Map.entry("app", 5));
    }
}

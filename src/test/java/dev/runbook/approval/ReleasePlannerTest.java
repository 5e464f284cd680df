package dev.runbook.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.approval.ReleasePlanner.PlannedStep;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan shown with an approval: steps in model order, exact commands, and no step left out. */
class ReleasePlannerTest {

    static final String FROM = "a".repeat(40);
    static final String TO = "b".repeat(40);

    @TempDir
    Path dir;

    private Release release(Map<String, ComponentSpec> components, String releaseId) {
        Target target = PlanFixtures.target(dir.resolve("shop"), null, components);
        return new Release("shop", target, components, FROM, TO, releaseId);
    }

    /** The id the resolve step chose for the new release: the plan names its directory. */
    static final String NEW = "20261204_120000_bbbbbbb";

    /** Where install and build run: the component's directory in the new release. */
    private Path newRelease() {
        return dir.resolve("shop/releases/" + NEW);
    }

    @Test
    void shouldPlanTheDeployStepsInModelOrderWithTheExactCommands() {
        Path root = dir.resolve("shop");
        Path serving = root.resolve("current/backend");
        List<PlannedStep> plan = PlanFixtures.planner(dir)
                .plan(
                        PlanFixtures.element("deploy", "Task_ResolveRelease"),
                        release(Map.of("backend", PlanFixtures.backend(null)), NEW));

        assertThat(plan)
                .extracting(PlannedStep::activityId)
                .containsExactly(
                        "Task_PrepareRelease",
                        "Task_InstallAndBuild",
                        "Task_SwitchRelease",
                        "Task_Pm2Reload",
                        "Task_HealthCheck",
                        "Task_RecordRelease",
                        "Task_PruneReleases");
        assertThat(plan)
                .flatExtracting(PlannedStep::commands)
                .extracting(PlannedCommand::command)
                .noneMatch(command -> command.startsWith("git "));
        assertThat(step(plan, "Task_PrepareRelease").commands()).isEmpty();
        assertThat(step(plan, "Task_PrepareRelease").note())
                .contains(
                        "bbbbbbbbbbbb",
                        "from the mirror",
                        root.resolve("releases").toString(),
                        "not touched");
        assertThat(step(plan, "Task_InstallAndBuild").commands())
                .containsExactly(
                        new PlannedCommand(
                                "npm ci", newRelease().resolve("backend").toString()),
                        new PlannedCommand(
                                "npm run build", newRelease().resolve("backend").toString()));
        assertThat(step(plan, "Task_SwitchRelease").commands()).isEmpty();
        assertThat(step(plan, "Task_SwitchRelease").note())
                .contains(root.resolve("current") + " to release " + NEW, "atomic", "switching back");
        assertThat(step(plan, "Task_Pm2Reload").commands())
                .containsExactly(new PlannedCommand(
                        PlanFixtures.PM2
                                + " startOrReload ecosystem.config.js --only shop-backend --update-env --cwd "
                                + serving,
                        serving.toString()));
        assertThat(step(plan, "Task_HealthCheck").commands())
                .containsExactly(
                        new PlannedCommand("GET http://127.0.0.1:3999/api/health", null),
                        new PlannedCommand(PlanFixtures.PM2 + " save --force", root.toString()));
        assertThat(ReleasePlanner.text(plan))
                .startsWith("1) Prepare release directory: ")
                .contains("2) Install and build: npm ci [in " + newRelease().resolve("backend") + "]; npm run build")
                .contains("3) Switch current to the new release: switches");
    }

    @Test
    void shouldPlanEveryComponentOfAnUpdateInConfigurationOrder() {
        Map<String, ComponentSpec> components = new java.util.LinkedHashMap<>();
        components.put("frontend", PlanFixtures.frontend());
        components.put("backend", PlanFixtures.backend(null));
        List<PlannedStep> plan = PlanFixtures.planner(dir)
                .plan(PlanFixtures.element("update", "Task_ResolveRelease"), release(components, NEW));

        assertThat(step(plan, "Task_InstallAndBuild").commands())
                .extracting(PlannedCommand::dir)
                .containsExactly(
                        newRelease().resolve("frontend").toString(),
                                newRelease().resolve("frontend").toString(),
                        newRelease().resolve("backend").toString(),
                                newRelease().resolve("backend").toString());
        assertThat(step(plan, "Task_HealthCheck").commands())
                .extracting(PlannedCommand::command)
                .containsExactly(
                        "GET http://127.0.0.1:3998/",
                        "GET http://127.0.0.1:3999/api/health",
                        PlanFixtures.PM2 + " save --force");
    }

    @Test
    void shouldPlanTheDatabaseBackupAndMigrationOnlyWhenAComponentMigrates() {
        Path backendDir = newRelease().resolve("backend");
        Map<String, ComponentSpec> migrating =
                Map.of("backend", PlanFixtures.backend(List.of("npm", "run", "migrate")));
        Target target = PlanFixtures.target(
                dir.resolve("shop"),
                new Database("postgresql", "postgresql://app:s3cret@127.0.0.1:5432/shop"),
                migrating);
        List<PlannedStep> plan = PlanFixtures.planner(dir)
                .plan(
                        PlanFixtures.element("deploy", "Task_ResolveRelease"),
                        new Release("shop", target, migrating, FROM, TO, NEW));

        assertThat(plan)
                .extracting(PlannedStep::activityId)
                .containsSubsequence(
                        "Task_InstallAndBuild", "Task_DatabaseBackup", "Task_Migrate", "Task_SwitchRelease");
        assertThat(step(plan, "Task_Migrate").commands())
                .containsExactly(new PlannedCommand("npm run migrate", backendDir.toString()));
        assertThat(PlanFixtures.planner(dir)
                        .plan(
                                PlanFixtures.element("deploy", "Task_ResolveRelease"),
                                release(Map.of("backend", PlanFixtures.backend(null)), null)))
                .extracting(PlannedStep::activityId)
                .doesNotContain("Task_DatabaseBackup", "Task_Migrate");
    }

    @Test
    void shouldPlanARollbackAsASwitchAndReloadWithoutInstallOrBuild() {
        List<PlannedStep> plan = PlanFixtures.planner(dir)
                .plan(
                        PlanFixtures.element("rollback", "Task_ValidateRelease"),
                        release(Map.of("backend", PlanFixtures.backend(null)), "20260101_120000_aaaaaaa"));

        assertThat(plan)
                .extracting(PlannedStep::activityId)
                .containsExactly("Task_SwitchRelease", "Task_Pm2Reload", "Task_HealthCheck", "Task_RecordRelease");
        assertThat(step(plan, "Task_SwitchRelease").note())
                .contains(dir.resolve("shop/current") + " to release 20260101_120000_aaaaaaa", "switching back");
        assertThat(plan)
                .flatExtracting(PlannedStep::commands)
                .extracting(PlannedCommand::command)
                .noneMatch(command -> command.startsWith("npm") || command.startsWith("git "));
    }

    @Test
    void shouldListAStepItHasNoPreviewForSoThePlanNeverHidesAStep() {
        BpmnModelInstance model = Bpmn.createExecutableProcess("migrating")
                .startEvent("StartEvent_Requested")
                .serviceTask("Task_ResolveRelease")
                .camundaDelegateExpression("${resolveReleaseDelegate}")
                .serviceTask("Task_WarmCache")
                .name("Warm the cache")
                .camundaDelegateExpression("${warmCacheDelegate}")
                .serviceTask("Task_SwitchRelease")
                .name("Switch")
                .camundaDelegateExpression("${switchReleaseDelegate}")
                .endEvent("EndEvent_Done")
                .done();
        List<PlannedStep> plan = PlanFixtures.planner(dir)
                .plan(
                        model.getModelElementById("Task_ResolveRelease"),
                        release(Map.of("backend", PlanFixtures.backend(null)), null));

        assertThat(plan).extracting(PlannedStep::activityId).containsExactly("Task_WarmCache", "Task_SwitchRelease");
        assertThat(plan.get(0).note()).isEqualTo(ReleasePlanner.NO_PREVIEW);
        assertThat(plan.get(1).note()).isNotEqualTo(ReleasePlanner.NO_PREVIEW);
    }

    /** Every step after an approval in every model has a command preview or a note saying what it does. */
    @Test
    void shouldPreviewEveryStepThatRunsAfterAnApprovalInEveryModel() throws IOException {
        List<Path> models;
        try (Stream<Path> files = Files.list(Path.of("bpmn"))) {
            models = files.filter(p -> p.toString().endsWith(".bpmn")).sorted().toList();
        }
        for (Path file : models) {
            BpmnModelInstance model = Bpmn.readModelFromFile(file.toFile());
            for (UserTask approval : model.getModelElementsByType(UserTask.class)) {
                FlowNode node = approval;
                List<PlannedStep> plan = PlanFixtures.planner(dir)
                        .plan(node, release(Map.of("backend", PlanFixtures.backend(null)), "20260101_120000"));
                assertThat(plan)
                        .as("%s: steps after %s", file, approval.getId())
                        .isNotEmpty();
                assertThat(plan)
                        .as("%s: a plan entry for each step", file)
                        .allSatisfy(step ->
                                assertThat(step.note()).as(step.activityId()).isNotEqualTo(ReleasePlanner.NO_PREVIEW));
            }
        }
    }

    private static PlannedStep step(List<PlannedStep> plan, String activityId) {
        return plan.stream()
                .filter(s -> s.activityId().equals(activityId))
                .findFirst()
                .orElseThrow();
    }
}

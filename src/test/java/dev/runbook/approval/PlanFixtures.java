package dev.runbook.approval;

import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.Approval;
import dev.runbook.config.RunbookProperties.Backups;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Health;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Redactor;
import dev.runbook.git.ApprovalContext;
import dev.runbook.git.GitClient;
import dev.runbook.npm.NpmClient;
import dev.runbook.pm2.Pm2Client;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.StepPreview;
import dev.runbook.testsupport.FixtureTarget;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.FlowNode;

/** Targets, clients and models for the planner and approval-context tests (real git, no Spring). */
public final class PlanFixtures {

    public static final String PM2 = "/opt/tools/pm2";

    private PlanFixtures() {}

    public static RunbookProperties properties(Path dataDir) {
        return new RunbookProperties(
                dataDir, new Tools("git", "npm", PM2, null, null, null, null, Duration.ofMinutes(1)), null, Map.of());
    }

    /** A planner over every {@link StepPreview} delegate of the platform, built as Spring would (no engine). */
    public static ReleasePlanner planner(Path dataDir) {
        RunbookProperties properties = properties(dataDir);
        CommandRunner runner = FixtureTarget.runner();
        Redactor redactor = new Redactor(properties, List.of());
        return new ReleasePlanner(
                StepPreviews.build(List.of(
                        properties,
                        runner,
                        redactor,
                        new GitClient(runner, properties),
                        new NpmClient(runner, properties),
                        new Pm2Client(runner, new ObjectMapper(), properties))),
                redactor);
    }

    public static ApprovalContext context(Path dataDir) {
        RunbookProperties properties = properties(dataDir);
        return new ApprovalContext(
                new GitClient(FixtureTarget.runner(), properties), planner(dataDir), new ObjectMapper());
    }

    public static ComponentSpec backend(List<String> migrate) {
        return new ComponentSpec(
                "backend",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                migrate,
                List.of("dist", "node_modules"),
                "shop-backend",
                "backend/ecosystem.config.js",
                URI.create("http://127.0.0.1:3999/api/health"),
                null,
                null);
    }

    public static ComponentSpec frontend() {
        return new ComponentSpec(
                "./frontend/",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "shop-frontend",
                "frontend/ecosystem.config.js",
                URI.create("http://127.0.0.1:3998/"),
                null,
                null);
    }

    /** A target whose root (and mirror {@code <root>/repo}) is {@code root}. */
    public static Target target(Path root, Database database, Map<String, ComponentSpec> components) {
        return new Target(
                null,
                "origin",
                "main",
                new Approval(true, Duration.ofHours(1), Approval.DEFAULT_GROUP),
                Map.of("PORT", "3999"),
                new LinkedHashMap<>(components),
                database,
                new Backups(7, null, null),
                new Health(
                        4, Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(1)),
                null,
                root,
                null,
                null,
                null,
                null);
    }

    public static BpmnModelInstance model(String processKey) {
        return Bpmn.readModelFromFile(Path.of("bpmn", processKey + ".bpmn").toFile());
    }

    public static FlowNode element(String processKey, String id) {
        return model(processKey).getModelElementById(id);
    }

    /** The variables of a run of {@code processKey} at its step {@code id} (an execution stand-in). */
    public static ProcessVariables step(String processKey, String id) {
        DelegateExecution execution = mock(DelegateExecution.class);
        when(execution.getProcessDefinitionId()).thenReturn(processKey + ":1:test");
        when(execution.getBpmnModelElementInstance()).thenReturn(element(processKey, id));
        return ProcessVariables.of(execution);
    }
}

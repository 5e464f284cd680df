package dev.runbook.npm;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Tools;
import dev.runbook.exec.Command;
import dev.runbook.exec.CommandFailedException;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.StepLog;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.StepFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * A component's install and build commands ({@code install}, default {@code npm ci}; {@code build}, default
 * {@code npm run build}) over {@link CommandRunner}, run in the component dir without {@code NODE_ENV} so that
 * devDependencies are installed for the build. The first word of a command is mapped through {@code runbook.tools}.
 */
@Component
public class NpmClient {

    private final CommandRunner runner;
    private final Tools tools;

    public NpmClient(CommandRunner runner, RunbookProperties properties) {
        this.runner = runner;
        this.tools = properties.tools();
    }

    /**
     * Checks what {@code npm ci} needs before anything is touched: a {@code package.json} and a
     * {@code package-lock.json} (or {@code npm-shrinkwrap.json}) in the component dir.
     *
     * @throws StepFailedException {@code PRECONDITION_FAILED} naming the missing file
     */
    public void checkLockFile(Path componentDir, ComponentSpec component) {
        boolean ci = component.install().size() >= 2
                && "npm".equals(component.install().get(0))
                && "ci".equals(component.install().get(1));
        if (!Files.isRegularFile(componentDir.resolve("package.json"))) {
            throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, "no package.json in " + componentDir);
        }
        if (ci
                && !Files.isRegularFile(componentDir.resolve("package-lock.json"))
                && !Files.isRegularFile(componentDir.resolve("npm-shrinkwrap.json"))) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "no package-lock.json in " + componentDir
                            + ": 'npm ci' needs one (commit the lock file; the platform never falls back to 'npm install')");
        }
    }

    /**
     * Runs the component's install command.
     *
     * @throws StepFailedException    {@code PRECONDITION_FAILED} when npm reports the lock file out of sync with
     *                                package.json (npm checks that before it touches node_modules)
     * @throws CommandFailedException on any other non-zero exit
     */
    public void install(Path componentDir, ComponentSpec component, StepLog log) {
        try {
            runner.runChecked(installCommand(componentDir, component), log);
        } catch (CommandFailedException e) {
            if (e.result() != null && e.result().output().contains("in sync")) {
                throw new StepFailedException(
                        BpmnErrors.PRECONDITION_FAILED,
                        "package.json and package-lock.json " + "in " + componentDir
                                + " are out of sync: run 'npm install' and commit the lock file");
            }
            throw e;
        }
    }

    /** Runs the component's build command; {@code CommandFailedException} on a non-zero exit. */
    public void build(Path componentDir, ComponentSpec component, StepLog log) {
        runner.runChecked(buildCommand(componentDir, component), log);
    }

    /** The command {@link #install} runs in the component dir, for plans shown before a run. */
    public Command installCommand(Path componentDir, ComponentSpec component) {
        return command(componentDir, component.install());
    }

    /** The command {@link #build} runs in the component dir, for plans shown before a run. */
    public Command buildCommand(Path componentDir, ComponentSpec component) {
        return command(componentDir, component.build());
    }

    /**
     * The component's {@code migrate} command in the component dir with {@code env} (the target's env, the settings
     * the app runs with) and the tools timeout; run by Task_Migrate and shown in plans before a run.
     */
    public Command migrateCommand(Path componentDir, ComponentSpec component, Map<String, String> env) {
        return new Command(argv(component.migrate()), componentDir, env, tools.timeout());
    }

    /** The argument list that will run for a configured command (first word mapped to the configured tool). */
    public List<String> argv(List<String> configured) {
        List<String> argv = new ArrayList<>(configured);
        argv.set(0, tools.resolve(configured.get(0)));
        return argv;
    }

    private Command command(Path componentDir, List<String> configured) {
        Map<String, String> env = new HashMap<>();
        env.put("NODE_ENV", null);
        env.put("npm_config_update_notifier", "false");
        env.put("npm_config_fund", "false");
        env.put("npm_config_audit", "false");
        return new Command(argv(configured), componentDir, env, tools.timeout());
    }
}

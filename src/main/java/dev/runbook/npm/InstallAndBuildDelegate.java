package dev.runbook.npm;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.npm.Dependencies.Decision;
import dev.runbook.npm.Dependencies.Fingerprint;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.PlannedCommand;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import dev.runbook.release.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_InstallAndBuild, in the new release directory {@code releaseId} only: for each selected component, checks the
 * lock file, then either hard-links the serving release's {@code node_modules} (lock file, Node.js, npm and install
 * command unchanged: {@link Dependencies}) or runs the install command, records what the dependencies were installed
 * from, and runs the build. After a build on linked dependencies, a shared file the build wrote into stops the
 * release ({@link Dependencies#requireUnchanged}) and the component installs from then on. Tracked files the install
 * and build rewrote (a committed {@code dist}) are recorded in the release's index, so the target's drift never counts
 * them as edits by hand. Nothing here touches the
 * serving release; a failure leaves only the new directory, which the run's undo removes.
 */
@Component("installAndBuildDelegate")
@StepErrors({BpmnErrors.COMMAND_FAILED, BpmnErrors.PRECONDITION_FAILED})
class InstallAndBuildDelegate extends RunbookDelegate implements StepPreview {

    private final NpmClient npm;
    private final Dependencies dependencies;
    private final GitClient git;

    InstallAndBuildDelegate(
            TargetRegistry targets, Redactor redactor, NpmClient npm, Dependencies dependencies, GitClient git) {
        super(targets, redactor);
        this.npm = npm;
        this.dependencies = dependencies;
        this.git = git;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        ReleaseLayout layout = target.layout();
        String id = vars.releaseId();
        String serving = vars.previousReleaseId();
        Map<String, ComponentSpec> components = TargetRegistry.select(target, vars.components());
        for (ComponentSpec component : components.values()) {
            npm.checkLockFile(layout.componentDir(id, component), component);
        }
        for (Map.Entry<String, ComponentSpec> entry : components.entrySet()) {
            String name = entry.getKey();
            ComponentSpec component = entry.getValue();
            Path dir = layout.componentDir(id, component);
            Fingerprint wanted = dependencies.fingerprint(dir, component, log);
            Decision decision = decide(layout, serving, name, component, wanted);
            log.line("component " + name + ": dependencies " + (decision.reuse() ? "reused" : "installed") + ": "
                    + decision.reason());
            Instant linkedAt = null;
            if (decision.reuse()) {
                delete(dir.resolve("node_modules"));
                linkedAt = dependencies.link(layout.componentDir(serving, component), dir, log);
            } else {
                npm.install(dir, component, log);
            }
            dependencies.record(layout.dependencyRecord(id, name), wanted);
            log.line("component " + name + ": build");
            npm.build(dir, component, log);
            if (linkedAt != null) {
                try {
                    dependencies.requireUnchanged(dir, linkedAt, layout.componentDir(serving, component));
                } catch (StepFailedException e) {
                    markInstallOnly(layout, name);
                    throw e;
                }
            }
            // a committed dist the build rewrote is the platform's doing, not a local change (the target's drift)
            try {
                git.stageTrackedChanges(layout.release(id), relative(layout, id, dir), log);
            } catch (RuntimeException e) {
                log.line("could not record the build output in the new release's index (" + e.getMessage()
                        + "): the target's drift may list tracked files the build rewrote");
            }
        }
    }

    private static String relative(ReleaseLayout layout, String id, Path dir) {
        String path = layout.release(id).relativize(dir).toString();
        return path.isEmpty() ? "." : path;
    }

    private Decision decide(
            ReleaseLayout layout, String serving, String name, ComponentSpec component, Fingerprint wanted) {
        if (Files.exists(installOnlyMarker(layout, name))) {
            return new Decision(
                    false,
                    "a build once wrote into node_modules files shared with the serving release, "
                            + "so this component is always installed (remove " + installOnlyMarker(layout, name)
                            + " to allow reuse again)");
        }
        return dependencies.decide(
                serving == null ? null : layout.componentDir(serving, component),
                serving == null ? Optional.empty() : dependencies.recorded(layout.dependencyRecord(serving, name)),
                wanted);
    }

    /** Marks a component whose build wrote into shared dependencies: it installs from now on. */
    private static void markInstallOnly(ReleaseLayout layout, String name) {
        try {
            Files.createDirectories(installOnlyMarker(layout, name).getParent());
            Files.writeString(installOnlyMarker(layout, name), "install, never link: see the run that wrote this\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + installOnlyMarker(layout, name), e);
        }
    }

    static Path installOnlyMarker(ReleaseLayout layout, String name) {
        return layout.root().resolve(".runbook").resolve("install-only-" + name);
    }

    private static void delete(Path path) {
        try {
            FileTrees.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + path, e);
        }
    }

    /**
     * Each selected component's install command (or the reuse of the serving release's node_modules, and why, when
     * the new commit's lock file is the one the serving release was installed from) and build command, in component
     * order, run in the new release's directory.
     */
    @Override
    public Optional<Preview> preview(Release release) {
        Target target = release.target();
        ReleaseLayout layout = target.layout();
        Optional<String> serving = layout.currentId();
        List<PlannedCommand> commands = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        release.components().forEach((name, component) -> {
            Path dir = release.componentDir(component);
            Decision decision = planned(layout, serving, name, component, release.toCommit());
            if (decision.reuse()) {
                notes.add(name + ": node_modules reused from the serving release (" + decision.reason() + ")");
            } else {
                commands.add(PlannedCommand.of(npm.installCommand(dir, component)));
                notes.add(name + ": dependencies installed (" + decision.reason() + ")");
            }
            commands.add(PlannedCommand.of(npm.buildCommand(dir, component)));
        });
        return Optional.of(new Preview(commands, String.join("; ", notes)));
    }

    private Decision planned(
            ReleaseLayout layout, Optional<String> serving, String name, ComponentSpec component, String commit) {
        String prefix = Path.of(component.dir()).normalize().toString();
        prefix = prefix.isEmpty() || ".".equals(prefix) ? "" : prefix + "/";
        if (serving.isEmpty()) {
            return new Decision(false, "no release serves yet");
        }
        Path servingDir = layout.componentDir(serving.get(), component);
        Optional<String> manifest = dependencies.blobAt(layout.repository(), commit, prefix + "package.json");
        boolean sameManifest = manifest.isPresent()
                && manifest.get().equals(Dependencies.blobIdOf(servingDir.resolve("package.json")));
        for (String lockFile : Dependencies.LOCK_FILES) {
            Optional<String> blob = dependencies.blobAt(layout.repository(), commit, prefix + lockFile);
            if (blob.isPresent()) {
                Fingerprint wanted = dependencies.fingerprintOfBlob(
                        lockFile,
                        blob.get(),
                        // the same package.json has the same dependencies; otherwise decided at build time
                        sameManifest ? dependencies.manifestDigest(servingDir.resolve("package.json")) : "changed",
                        component,
                        StepLog.NONE);
                Decision decision = decide(layout, serving.orElse(null), name, component, wanted);
                return sameManifest || !decision.reason().contains("package.json")
                        ? decision
                        : new Decision(
                                false,
                                "package.json changed: node_modules is reused only if its dependency fields did not");
            }
        }
        return new Decision(false, "there is no lock file to compare");
    }
}

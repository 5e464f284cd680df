package dev.runbook.release;

import dev.runbook.config.ReleaseLayout;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.Redactor;
import dev.runbook.exec.StepLog;
import dev.runbook.git.GitClient;
import dev.runbook.pm2.EcosystemFiles;
import dev.runbook.process.BpmnErrors;
import dev.runbook.process.ProcessVariables;
import dev.runbook.process.Release;
import dev.runbook.process.RunbookDelegate;
import dev.runbook.process.StepErrors;
import dev.runbook.process.StepFailedException;
import dev.runbook.process.StepPreview;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Task_PrepareRelease: first checks that the target still serves the release the approval showed
 * ({@code previousReleaseId}; someone may have deployed meanwhile: then {@code PRECONDITION_FAILED}, nothing changed);
 * then makes a new release directory {@code releases/<releaseId>} beside the serving one: a checkout of
 * {@code targetCommit} from the mirror, each selected component's {@code shared} entries linked in, and (update) each
 * other component's files carried over from the serving release as hard links. {@code releaseId} is the id the resolve
 * step chose (the plan names it). Each selected component's ecosystem file in the new checkout must be one PM2 can
 * load ({@link EcosystemFiles}: not an ES module), else {@code PRECONDITION_FAILED} naming the file and the fix. A
 * failure half-way removes the new directory before the step fails; the serving release is never touched.
 */
@Component("prepareReleaseDelegate")
@StepErrors({BpmnErrors.PRECONDITION_FAILED, BpmnErrors.COMMAND_FAILED})
class PrepareReleaseDelegate extends RunbookDelegate implements StepPreview {

    private final ReleaseDirectories directories;
    private final GitClient git;

    PrepareReleaseDelegate(TargetRegistry targets, Redactor redactor, ReleaseDirectories directories, GitClient git) {
        super(targets, redactor);
        this.directories = directories;
        this.git = git;
    }

    @Override
    protected void run(ProcessVariables vars, StepLog log) {
        Target target = targets.get(vars.target());
        ReleaseLayout layout = target.layout();
        String serving = layout.currentId().orElse(null);
        if (!Objects.equals(serving, vars.previousReleaseId())) {
            if (serving == null && vars.remoteHost() != null) {
                // a host new to the target (or one whose release layout was removed): it gets its first release,
                // and an undo on it removes that again
                log.line("host " + vars.remoteHost() + " serves no release yet, the others "
                        + describe(vars.previousReleaseId()) + ": it gets its first one");
                vars.set(ProcessVariables.HOST_PREVIOUS_RELEASE_ID, "");
            } else if (vars.remoteHost() != null) {
                throw new StepFailedException(
                        BpmnErrors.PRECONDITION_FAILED,
                        "this host serves " + describe(serving) + ", not "
                                + describe(vars.previousReleaseId()) + " as the platform recorded for target "
                                + vars.target() + ": it was switched outside the platform; nothing was changed. "
                                + "Point its current back at " + describe(vars.previousReleaseId())
                                + ", or remove its current to have it deployed as a host new to the target");
            } else {
                throw new StepFailedException(
                        BpmnErrors.PRECONDITION_FAILED,
                        "target " + vars.target() + " serves " + describe(serving) + " now, not "
                                + describe(vars.previousReleaseId()) + " as when this run was requested and "
                                + "approved; nothing was changed: request the run again");
            }
        }
        String id = id(layout, vars);
        Map<String, ComponentSpec> selected = TargetRegistry.select(target, vars.components());
        if (!git.hasCommit(layout.repository(), vars.targetCommit(), log)) {
            // a remote host: the resolve step fetched into the platform's mirror; this host fetches into its own
            directories.updateMirror(layout, directories.remoteUrl(vars.target(), target, log), log);
        }
        try {
            directories.prepare(
                    layout,
                    new ReleaseMetadata(
                            id, vars.targetCommit(), vars.gitRef(), Instant.now(), vars.requestedBy(), vars.runId()),
                    log);
            Path release = layout.release(id);
            List<String> refusals = EcosystemFiles.refusals(vars.target(), selected, EcosystemFiles.directory(release));
            if (!refusals.isEmpty()) {
                throw new StepFailedException(BpmnErrors.PRECONDITION_FAILED, String.join("; ", refusals));
            }
            log.line("ecosystem files checked: PM2 can load each (CommonJS)");
            for (Map.Entry<String, ComponentSpec> component :
                    target.components().entrySet()) {
                if (selected.containsKey(component.getKey())) {
                    directories.linkShared(layout, id, component.getKey(), component.getValue(), log);
                } else {
                    carryOver(layout, serving, id, component.getKey(), component.getValue(), log);
                    keepBuildOutputStaged(layout, serving, id, component.getValue(), log);
                }
            }
        } catch (RuntimeException e) {
            log.line("preparing release " + id + " failed: removing its directory");
            directories.discard(layout, id, log);
            throw e;
        }
        vars.set(ProcessVariables.RELEASE_ID, id);
    }

    /**
     * The release id the resolve step chose (and the plan showed); another run's finished release of that id (two
     * requests in one second) makes it {@code <id>-2}, {@code -3} ...
     */
    private String id(ReleaseLayout layout, ProcessVariables vars) {
        String base = vars.string(ProcessVariables.RELEASE_ID);
        if (base == null) {
            base = ReleaseLayout.newId(Instant.now(), vars.targetCommit());
        }
        String id = base;
        for (int n = 2; taken(layout, id, vars.runId()); n++) {
            id = base + "-" + n;
        }
        return id;
    }

    private boolean taken(ReleaseLayout layout, String id, String runId) {
        return directories
                .metadata(layout, id)
                .map(release -> !Objects.equals(release.runId(), runId))
                .orElse(false);
    }

    /**
     * An update leaves the components it does not build as they serve: their directory in the new release becomes
     * hard links to the serving release's files (built output, node_modules, shared links), no bytes copied.
     */
    private static void carryOver(
            ReleaseLayout layout, String serving, String id, String name, ComponentSpec component, StepLog log) {
        if (serving == null) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "component " + name + " is not part of this run but no release serves yet to carry it over from: "
                            + "deploy all components first");
        }
        Path from = layout.componentDir(serving, component);
        Path to = layout.componentDir(id, component);
        if (to.equals(layout.release(id))) {
            throw new StepFailedException(
                    BpmnErrors.PRECONDITION_FAILED,
                    "component " + name + " spans the whole repository (dir '" + component.dir() + "'): it cannot "
                            + "be left out of an update; update all components");
        }
        try {
            FileTrees.delete(to);
            FileTrees.link(from, to, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot carry " + name + " over from release " + serving, e);
        }
        log.line("component " + name + " carried over from release " + serving + " (hard links)");
    }

    /**
     * Tracked files the serving release's build rewrote (a committed {@code dist}, recorded in its index by the
     * install-and-build step) are carried over as built: recorded in the new release's index too, so the target's
     * drift does not count them as edits by hand.
     */
    private void keepBuildOutputStaged(
            ReleaseLayout layout, String serving, String id, ComponentSpec component, StepLog log) {
        String dir = Path.of(component.dir()).normalize().toString();
        dir = dir.isEmpty() ? "." : dir;
        Path release = layout.release(id);
        try {
            List<String> built = git.stagedFiles(layout.release(serving), dir, log).stream()
                    .filter(file -> Files.exists(release.resolve(file), LinkOption.NOFOLLOW_LINKS))
                    .toList();
            git.stage(release, built, log);
        } catch (RuntimeException e) {
            // only the target's drift view depends on it: a serving release that is no git checkout (made by hand)
            log.line("could not record the carried-over build output in the new release's index (" + e.getMessage()
                    + "): the target's drift may list those files");
        }
    }

    private static String describe(String releaseId) {
        return releaseId == null ? "no release" : "release " + releaseId;
    }

    /**
     * What the step does; when a selected component's ecosystem file at the new commit (read from the mirror) is an ES
     * module, the note says first that the run will stop here, and why.
     */
    @Override
    public Optional<Preview> preview(Release release) {
        String note = "checks that the target still serves what it serves now, then checks out "
                + release.toCommit()
                        .substring(0, Math.min(12, release.toCommit().length()))
                + " from the mirror into " + release.directory()
                + ", beside the serving release (which is not touched), checks that PM2 can load each selected "
                + "component's ecosystem file (CommonJS), and links each component's shared files";
        List<String> refusals;
        try {
            refusals = EcosystemFiles.refusals(
                    release.targetName(),
                    release.components(),
                    path -> git.fileAt(release.target().layout().repository(), release.toCommit(), path, StepLog.NONE));
        } catch (RuntimeException e) {
            refusals = List.of(); // no mirror to read yet: the step checks the checkout itself
        }
        return Preview.note(
                refusals.isEmpty()
                        ? note
                        : "WILL STOP HERE, nothing changed, no reload: " + String.join("; ", refusals) + ". (" + note
                                + ")");
    }
}

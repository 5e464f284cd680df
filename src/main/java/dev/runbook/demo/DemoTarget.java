package dev.runbook.demo;

import dev.runbook.exec.CommandRunner;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Demo profile only: creates the demo target's git origin and work dir under the data dir on first start (see
 * {@link DemoRepository}), before the targets are checked.
 */
@Component
@Profile("demo")
public class DemoTarget {

    static final String TARGET = "shop";
    private static final Logger log = LoggerFactory.getLogger(DemoTarget.class);

    private final RunbookProperties properties;
    private final CommandRunner runner;

    DemoTarget(RunbookProperties properties, CommandRunner runner) {
        this.properties = properties;
        this.runner = runner;
    }

    /** Creates the demo repository when the demo target's work dir does not exist yet. */
    public void createIfMissing() {
        Target target = properties.targets().get(TARGET);
        if (target == null) {
            return;
        }
        Path workdir = target.workdir().toAbsolutePath().normalize();
        ComponentSpec backend = target.components().values().iterator().next();
        if (!workdir.resolve(".git").toFile().isDirectory()) {
            log.info("creating demo target '{}' in {}", TARGET, workdir);
        }
        new DemoRepository(runner, properties.tools().git()).createIfMissing(
                workdir.resolveSibling(workdir.getFileName() + "-origin.git"), workdir, backend.pm2App());
    }
}

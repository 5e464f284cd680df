package dev.runbook.demo;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetPreparer;
import dev.runbook.exec.CommandRunner;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Demo profile only: creates the demo target's git origin (its {@code remote}) under the data dir on first start (see
 * {@link DemoRepository}), before the targets are checked: a {@link TargetPreparer} the target registry calls. The
 * target uses the release layout from the start: its first deploy makes its first release.
 */
@Component
@Profile("demo")
public class DemoTarget implements TargetPreparer {

    static final String TARGET = "shop";
    private static final Logger log = LoggerFactory.getLogger(DemoTarget.class);

    private final CommandRunner runner;

    DemoTarget(CommandRunner runner) {
        this.runner = runner;
    }

    /** Creates the demo repository when the demo target's origin does not exist yet. */
    @Override
    public void prepare(RunbookProperties properties) {
        Target target = properties.targets().get(TARGET);
        if (target == null) {
            return;
        }
        Path origin = Path.of(target.remote()).toAbsolutePath().normalize();
        ComponentSpec backend = target.components().values().iterator().next();
        if (!origin.resolve("HEAD").toFile().isFile()) {
            log.info("creating demo target '{}': git origin {}, releases under {}", TARGET, origin, target.root());
        }
        new DemoRepository(runner, properties.tools().git()).createOriginIfMissing(origin, backend.pm2App());
    }
}

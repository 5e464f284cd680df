package dev.runbook.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.runbook.config.RunbookProperties;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.ObjectProvider;

/** The database backup age gauge appears once a {@link DbBackupAgeSource} bean exists, for targets with a database. */
class PlatformMetricsTest {

    @TempDir
    Path workdir;

    @Test
    void shouldPublishTheAgeOfTheNewestGoodBackupOfEachTargetWithADatabase() {
        DbBackupAgeSource backupAge = target ->
                "shop".equals(target) ? Optional.of(Instant.now().minus(Duration.ofHours(1))) : Optional.empty();
        SimpleMeterRegistry registry = bind(backupAge);

        assertThat(registry.get("runbook.db.backup.age")
                        .tag("target", "shop")
                        .gauge()
                        .value())
                .isCloseTo(3600, within(60.0));
        assertThat(registry.get("runbook.db.backup.age")
                        .tag("target", "empty")
                        .gauge()
                        .value())
                .isNaN();
        assertThat(registry.find("runbook.db.backup.age").tag("target", "nodb").gauge())
                .isNull();
        assertThat(registry.get("runbook.delivery.deployments")
                        .tag("target", "nodb")
                        .gauge())
                .isNotNull();
    }

    @Test
    void shouldPublishNoBackupAgeWithoutACatalogue() {
        assertThat(bind(null).find("runbook.db.backup.age").gauges()).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private SimpleMeterRegistry bind(DbBackupAgeSource backupAge) {
        ComponentSpec backend = new ComponentSpec(
                ".",
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "app",
                "ecosystem.config.js",
                URI.create("http://127.0.0.1:3000/health"),
                null,
                null);
        Database db = new Database("postgresql", "postgresql://u:pw-123@127.0.0.1/shop");
        Map<String, Target> targets = Map.of(
                "shop",
                        new Target(
                                workdir,
                                "origin",
                                "main",
                                null,
                                Map.of(),
                                Map.of("backend", backend),
                                db,
                                null,
                                null,
                                null,
                                workdir,
                                null,
                                null,
                                null,
                                null),
                "empty",
                        new Target(
                                workdir,
                                "origin",
                                "main",
                                null,
                                Map.of(),
                                Map.of("backend", backend),
                                db,
                                null,
                                null,
                                null,
                                workdir,
                                null,
                                null,
                                null,
                                null),
                "nodb",
                        new Target(
                                workdir,
                                "origin",
                                "main",
                                null,
                                Map.of(),
                                Map.of("backend", backend),
                                null,
                                null,
                                null,
                                null,
                                workdir,
                                null,
                                null,
                                null,
                                null));
        TargetRegistry registry = new TargetRegistry(new RunbookProperties(workdir, null, null, targets), List.of());
        ObjectProvider<DbBackupAgeSource> provider = mock(ObjectProvider.class);
        when(provider.getIfAvailable()).thenReturn(backupAge);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        new PlatformMetrics(registry, mock(RuntimeService.class), mock(HistoryService.class), provider).bindTo(meters);
        return meters;
    }
}

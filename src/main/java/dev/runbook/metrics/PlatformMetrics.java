package dev.runbook.metrics;

import dev.runbook.config.TargetRegistry;
import dev.runbook.metrics.DeliveryFigures.Figures;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Gauges read when scraped: {@code runbook.incidents.open} (incidents in the engine), per target the four delivery
 * figures of the last 30 days ({@code runbook.delivery.deployments}, {@code .deployment.frequency} per day,
 * {@code .lead.time} and {@code .time.to.restore} in seconds, {@code .change.failure.rate} 0..1; see
 * {@link DeliveryFigures}, recomputed at most once a minute), and, when a {@link DbBackupAgeSource} bean exists,
 * {@code runbook.db.backup.age} in seconds for each target with a database.
 */
@Component
class PlatformMetrics implements MeterBinder {

    static final Duration WINDOW = Duration.ofDays(30);
    static final Duration CACHE = Duration.ofMinutes(1);

    private final TargetRegistry targets;
    private final RuntimeService runtime;
    private final HistoryService history;
    private final ObjectProvider<DbBackupAgeSource> backups;
    private final Clock clock;
    private final Map<String, Cached> figures = new ConcurrentHashMap<>();

    private record Cached(Figures figures, Instant at) {}

    PlatformMetrics(
            TargetRegistry targets,
            RuntimeService runtime,
            HistoryService history,
            ObjectProvider<DbBackupAgeSource> backups) {
        this.targets = targets;
        this.runtime = runtime;
        this.history = history;
        this.backups = backups;
        this.clock = Clock.systemUTC();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(
                        "runbook.incidents.open",
                        runtime,
                        r -> r.createIncidentQuery().count())
                .description("incidents waiting for an operator")
                .register(registry);
        DbBackupAgeSource backupAge = backups.getIfAvailable();
        targets.all().forEach((name, target) -> {
            figure(
                    registry,
                    "runbook.delivery.deployments",
                    name,
                    Figures::deployments,
                    null,
                    "runs ending DEPLOYED in the last 30 days");
            figure(
                    registry,
                    "runbook.delivery.deployment.frequency",
                    name,
                    Figures::perDay,
                    null,
                    "deployments per day over the last 30 days");
            figure(
                    registry,
                    "runbook.delivery.lead.time",
                    name,
                    Figures::leadTimeSeconds,
                    "seconds",
                    "median time from request to DEPLOYED");
            figure(
                    registry,
                    "runbook.delivery.change.failure.rate",
                    name,
                    Figures::changeFailureRate,
                    null,
                    "share of changes ending ROLLED_BACK or FAILED");
            figure(
                    registry,
                    "runbook.delivery.time.to.restore",
                    name,
                    Figures::timeToRestoreSeconds,
                    "seconds",
                    "median time from a failed change to the next good release");
            if (backupAge != null && target.database() != null) {
                Gauge.builder(
                                "runbook.db.backup.age",
                                backupAge,
                                c -> c.newestGoodBackup(name)
                                        .map(at -> (double) Duration.between(at, clock.instant())
                                                .toSeconds())
                                        .orElse(Double.NaN))
                        .description("seconds since the newest good database backup")
                        .baseUnit("seconds")
                        .tag("target", name)
                        .register(registry);
            }
        });
    }

    private void figure(
            MeterRegistry registry,
            String name,
            String target,
            ToDoubleFunction<Figures> value,
            String unit,
            String description) {
        Gauge.builder(name, () -> value.applyAsDouble(figures(target)))
                .description(description)
                .baseUnit(unit)
                .tag("target", target)
                .register(registry);
    }

    private Figures figures(String target) {
        Instant now = clock.instant();
        return figures.compute(
                        target,
                        (name, cached) ->
                                cached != null && cached.at().plus(CACHE).isAfter(now)
                                        ? cached
                                        : new Cached(DeliveryFigures.compute(history, name, now, WINDOW), now))
                .figures();
    }
}

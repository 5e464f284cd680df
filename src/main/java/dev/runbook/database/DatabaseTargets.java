package dev.runbook.database;

import dev.runbook.config.RunbookProperties.Database;
import dev.runbook.config.RunbookProperties.Target;
import dev.runbook.config.TargetRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * The targets that have a database, checked once at start-up: {@code database.kind} one of the supported kinds,
 * {@code database.uri} parseable and naming a database, {@code backups.db-keep} positive per known class, and every
 * {@code backups.db-schedule} cron valid. A violation stops the platform with a message naming the property.
 */
@Component
public class DatabaseTargets {

    /** Every schedule class a database backup can have. */
    public static final List<String> CLASSES = List.of("manual", "daily", "weekly", "monthly");
    /** Backups kept per class when {@code backups.db-keep} does not name the class. */
    static final Map<String, Integer> DEFAULT_KEEP = Map.of("manual", 10, "daily", 7, "weekly", 4, "monthly", 12);

    private final Map<String, Db> databases = new LinkedHashMap<>();
    private final Map<String, Target> targets = new LinkedHashMap<>();

    /** A target's database with its parsed URI and the client for its kind. */
    record Db(String target, DatabaseUri uri, DatabaseClient client) {
        String kind() {
            return client.kind();
        }
    }

    DatabaseTargets(TargetRegistry registry, List<DatabaseClient> clients) {
        Map<String, DatabaseClient> byKind =
                clients.stream().collect(Collectors.toMap(DatabaseClient::kind, client -> client));
        registry.all().forEach((name, target) -> {
            if (target.database() != null) {
                databases.put(name, check(name, target, byKind));
                targets.put(name, target);
            }
        });
    }

    private static Db check(String name, Target target, Map<String, DatabaseClient> byKind) {
        String prefix = "runbook.targets." + name + ".";
        Database database = target.database();
        DatabaseClient client = byKind.get(database.kind());
        if (client == null) {
            throw new IllegalStateException(prefix + "database.kind: '" + database.kind() + "' is not supported; use "
                    + byKind.keySet().stream().sorted().toList());
        }
        DatabaseUri uri;
        try {
            uri = DatabaseUri.parse(database.uri());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + "database.uri: " + e.getMessage());
        }
        if (uri.database() == null
                || !DatabaseUri.DATABASE_NAME.matcher(uri.database()).matches()) {
            throw new IllegalStateException(prefix + "database.uri: must name the database after the host "
                    + "(scheme://host/<database>), letters, digits, '_' and '-' only");
        }
        target.backups().dbKeep().forEach((scheduleClass, keep) -> {
            if (!CLASSES.contains(scheduleClass) || keep == null || keep < 1) {
                throw new IllegalStateException(prefix + "backups.db-keep." + scheduleClass + ": classes are " + CLASSES
                        + " and each keeps at least 1 backup");
            }
        });
        DbBackupSchedules.of(target.backups().dbSchedule()).forEach((scheduleClass, cron) -> {
            try {
                DbBackupSchedules.validate(cron);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(prefix + "backups.db-schedule." + scheduleClass + ": invalid cron "
                        + "expression '" + cron + "' (Quartz form with seconds, e.g. '0 0 2 * * ?', or 'off'): "
                        + e.getMessage());
            }
        });
        return new Db(name, uri, client);
    }

    /** Names of the targets with a database, in configuration order. */
    public Set<String> names() {
        return databases.keySet();
    }

    /** Whether the target has a database configured. */
    public boolean has(String target) {
        return databases.containsKey(target);
    }

    Optional<Db> find(String target) {
        return Optional.ofNullable(databases.get(target));
    }

    /** The target's database; {@link NoDatabaseException} when it has none. */
    Db get(String target) {
        return find(target).orElseThrow(() -> new NoDatabaseException(target));
    }

    /** The database kind of the target ({@code mongodb}, {@code postgresql}). */
    public String kind(String target) {
        return get(target).kind();
    }

    /** Backups of a schedule class kept by retention ({@code backups.db-keep}, else the defaults 10/7/4/12). */
    int keep(String target, String scheduleClass) {
        Integer configured = targets.get(target).backups().dbKeep().get(scheduleClass);
        return configured != null ? configured : DEFAULT_KEEP.getOrDefault(scheduleClass, 10);
    }

    /** Cron per timed schedule class ({@code off} for a class switched off). */
    public Map<String, String> schedule(String target) {
        get(target);
        return DbBackupSchedules.of(targets.get(target).backups().dbSchedule());
    }

    /** The target has no database configured (an API request names it: 404). */
    public static class NoDatabaseException extends RuntimeException {
        public NoDatabaseException(String target) {
            super("target '" + target + "' has no database configured");
        }
    }
}

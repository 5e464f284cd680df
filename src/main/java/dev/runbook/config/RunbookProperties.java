package dev.runbook.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The whole {@code runbook.*} configuration tree (see DESIGN.md): data dir, tool paths, bootstrap users and targets.
 * Bound and validated at start-up; a violation stops the platform with a message naming the property.
 */
@Validated
@ConfigurationProperties("runbook")
public record RunbookProperties(
        @DefaultValue("./data") @NotNull Path dataDir,
        @DefaultValue @Valid Tools tools,
        @DefaultValue @Valid Identity identity,
        Map<String, @Valid Target> targets) {

    public RunbookProperties {
        targets = targets == null ? Map.of() : ordered(targets);
    }

    /** An unmodifiable copy that keeps the configuration order (Map.copyOf would not). */
    static <V> Map<String, V> ordered(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** Command name on PATH or absolute path of each external tool, and the default timeout of one command. */
    public record Tools(
            @DefaultValue("git") @NotBlank String git,
            @DefaultValue("npm") @NotBlank String npm,
            @DefaultValue("pm2") @NotBlank String pm2,
            @DefaultValue("mongodump") String mongodump,
            @DefaultValue("mongorestore") String mongorestore,
            @DefaultValue("pg_dump") String pgDump,
            @DefaultValue("pg_restore") String pgRestore,
            @DefaultValue("PT15M") Duration timeout) {

        /** Maps the first word of a configured command ({@code npm}, {@code git}, {@code pm2}) to its configured path. */
        public String resolve(String command) {
            return switch (command) {
                case "git" -> git;
                case "npm" -> npm;
                case "pm2" -> pm2;
                default -> command;
            };
        }
    }

    /** Users created at start-up when missing (demo and tests). */
    public record Identity(List<@Valid User> users) {
        public Identity {
            users = users == null ? List.of() : List.copyOf(users);
        }
    }

    /** One bootstrap user: id ([a-zA-Z0-9]+), password and group ids. */
    public record User(@NotBlank String id, @NotBlank String password, List<String> groups) {
        public User {
            groups = groups == null ? List.of() : List.copyOf(groups);
        }

        @Override
        public String toString() {
            return "User[id=" + id + ", groups=" + groups + "]";
        }
    }

    /**
     * A deploy target: its {@code root} (the release layout: releases, current, shared, the git mirror), the git remote
     * (a URL or path, or the name of a remote of {@code workdir}, an in-place checkout read only to adopt it), its
     * components and policies; {@code hosts}: the remote hosts it runs on (each with an agent, {@code runbook.hosts}),
     * none for the platform's own machine.
     */
    public record Target(
            Path workdir,
            @DefaultValue("origin") @NotBlank String remote,
            @DefaultValue("main") @NotBlank String branch,
            @DefaultValue @Valid Approval approval,
            Map<String, String> env,
            @NotEmpty Map<String, @Valid ComponentSpec> components,
            @Valid Database database,
            @DefaultValue @Valid Backups backups,
            @DefaultValue @Valid Health health,
            @DefaultValue @Valid MonitorPolicy monitor,
            @NotNull Path root,
            @DefaultValue @Valid Releases releases,
            List<String> hosts,
            @Valid Environment environment,
            @DefaultValue @Valid Rollout rollout) {

        public Target {
            hosts = hosts == null ? List.of() : List.copyOf(hosts);
            if (hosts.stream().distinct().count() != hosts.size()) {
                throw new IllegalArgumentException("hosts: a host is named twice in " + hosts);
            }
            env = env == null ? Map.of() : Map.copyOf(env);
            components = components == null ? Map.of() : ordered(components);
            monitor = monitor == null ? MonitorPolicy.DEFAULTS : monitor;
            releases = releases == null ? new Releases(10, null) : releases;
            rollout = rollout == null ? new Rollout(1, null) : rollout;
        }

        /** The release layout under {@link #root}. */
        public ReleaseLayout layout() {
            return new ReleaseLayout(root);
        }
    }

    /**
     * The environment a target is of an application ({@code shop}: {@code staging}, {@code production}), and the
     * environment of the same application whose verified release it is promoted from ({@code promote-from}; none: it
     * takes no promotions).
     */
    public record Environment(
            @NotBlank String application, @NotBlank String name, String promoteFrom) {}

    /**
     * How a run goes through a target's hosts: {@code batch} hosts at a time are switched, reloaded and checked (the
     * others serve on meanwhile); the next batch starts when the whole batch passed its health check. When a host
     * fails, {@code on-failure: rollback} rolls every host back at once; {@code ask} has an operator decide first:
     * retry that host, or roll every host back.
     */
    public record Rollout(
            @DefaultValue("1") @Positive int batch,
            @DefaultValue("rollback") OnFailure onFailure) {

        public Rollout {
            onFailure = onFailure == null ? OnFailure.ROLLBACK : onFailure;
        }

        /** What a deploy or update does when a host fails its switch, reload or health check. */
        public enum OnFailure {
            ROLLBACK,
            ASK
        }
    }

    /**
     * Release directories of a target under its {@code root} (see {@link ReleaseLayout}): how many are kept
     * (never the serving one, nor one a run refers to), and an optional disk budget that prunes the oldest first
     * (never the serving release nor the one before it).
     */
    public record Releases(@DefaultValue("10") @Positive int keep, DataSize maxBytes) {}

    /**
     * Approval gate of a target: required or not, how long a request waits (ISO-8601), and the group whose members
     * may decide it ({@code approvers} unless an environment names its own, such as {@code prodapprovers}).
     */
    public record Approval(
            @DefaultValue("true") boolean required,
            @DefaultValue("PT24H") @NotNull Duration timeout,

            @DefaultValue(Approval.DEFAULT_GROUP) @jakarta.validation.constraints.Pattern(regexp = "[a-zA-Z0-9]+")
            String group) {

        /** The group that decides approvals of a target that names none. */
        public static final String DEFAULT_GROUP = "approvers";

        public Approval {
            group = group == null ? DEFAULT_GROUP : group;
        }
    }

    /**
     * One deployable part of a target (backend, frontend), run under PM2. Commands are argument lists.
     * {@code dependsOn}: components of the same target this one calls (a frontend: the backend); a run that reloads
     * both reloads those first and reloads this one only once they answer their health URLs.
     */
    public record ComponentSpec(
            @DefaultValue(".") String dir,
            @DefaultValue({"npm", "ci"}) @NotEmpty List<String> install,
            @DefaultValue({"npm", "run", "build"}) @NotEmpty List<String> build,
            List<String> migrate,
            @DefaultValue({"dist", "node_modules"}) List<String> artifacts,
            @NotBlank String pm2App,
            @NotBlank String ecosystem,
            @NotNull URI healthUrl,
            List<String> shared,
            List<String> dependsOn) {

        public ComponentSpec {
            migrate = migrate == null ? List.of() : List.copyOf(migrate);
            shared = shared == null ? List.of() : List.copyOf(shared);
            dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
        }
    }

    /** The target's database: kind ({@code mongodb} or {@code postgresql}) and connection URI (a secret). */
    public record Database(@NotBlank String kind, @NotBlank String uri) {
        @Override
        public String toString() {
            return "Database[kind=" + kind + "]";
        }
    }

    /**
     * Retention: release backups kept, database backups kept per schedule class; and the database backup schedules
     * (cron per class, Quartz form as Camunda reads it).
     */
    public record Backups(
            @DefaultValue("10") @Positive int keep,
            Map<String, Integer> dbKeep,
            @DefaultValue @Valid DbSchedule dbSchedule) {
        public Backups {
            dbKeep = dbKeep == null ? Map.of("daily", 7, "weekly", 4, "monthly", 12) : Map.copyOf(dbKeep);
            dbSchedule = dbSchedule == null ? new DbSchedule(null, null, null) : dbSchedule;
        }
    }

    /**
     * When the scheduled database backups run: a cron expression per schedule class (seconds first, Quartz form:
     * {@code 0 0 2 * * ?}), or {@code off}. Defaults as {@code setup_cron_backup.sh}: daily 02:00, weekly Sunday
     * 03:00, monthly the 1st 04:00 (platform time zone).
     */
    public record DbSchedule(String daily, String weekly, String monthly) {
        public static final String DAILY = "0 0 2 * * ?";
        public static final String WEEKLY = "0 0 3 ? * SUN";
        public static final String MONTHLY = "0 0 4 1 * ?";

        public DbSchedule {
            daily = daily == null ? DAILY : daily.strip();
            weekly = weekly == null ? WEEKLY : weekly.strip();
            monthly = monthly == null ? MONTHLY : monthly.strip();
        }
    }

    /**
     * Health check policy: attempts, pause between attempts, timeout of one HTTP call, the window in which a freshly
     * reloaded PM2 app must stay online without restarting, and how long an app that answers, but not 2xx, may keep
     * doing so before the check fails without waiting out its attempts ({@code unhealthyGrace}).
     */
    public record Health(
            @DefaultValue("10") @Positive int attempts,
            @DefaultValue("PT2S") @NotNull Duration interval,
            @DefaultValue("PT5S") @NotNull Duration timeout,
            @DefaultValue("PT2S") @NotNull Duration stabilityWindow,
            @DefaultValue("PT1S") @NotNull Duration unhealthyGrace) {}
}

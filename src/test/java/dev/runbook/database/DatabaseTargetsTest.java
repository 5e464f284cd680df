package dev.runbook.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.config.DataDir;
import dev.runbook.config.RunbookProperties;
import dev.runbook.config.TargetRegistry;
import dev.runbook.exec.CommandRunner;
import dev.runbook.exec.Redactor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Start-up checks of the database settings of targets, through Spring's binding of {@code runbook.*} as at
 * start-up: every mistake stops the platform with a message naming the property.
 */
class DatabaseTargetsTest {

    @TempDir
    Path workdir;

    @Configuration
    @EnableConfigurationProperties(RunbookProperties.class)
    @Import({
        TargetRegistry.class,
        DataDir.class,
        DatabaseTargets.class,
        MongoClient.class,
        PostgresClient.class,
        CommandRunner.class,
        Redactor.class
    })
    static class Config {}

    private ApplicationContextRunner runner(String... extra) {
        List<String> properties = new ArrayList<>(List.of(
                "runbook.data-dir=" + workdir,
                "runbook.targets.shop.root=" + workdir,
                "runbook.targets.shop.components.backend.pm2-app=shop-backend",
                "runbook.targets.shop.components.backend.ecosystem=ecosystem.config.js",
                "runbook.targets.shop.components.backend.health-url=http://127.0.0.1:3000/api/health",
                "runbook.targets.shop.database.kind=mongodb",
                "runbook.targets.shop.database.uri=mongodb://app:secret-pw@127.0.0.1:27017/shop?authSource=admin"));
        properties.addAll(List.of(extra));
        return new ApplicationContextRunner()
                .withUserConfiguration(Config.class)
                .withPropertyValues(properties.toArray(String[]::new));
    }

    private static String startupError(ApplicationContextRunner runner) {
        StringBuilder message = new StringBuilder();
        runner.run(context -> {
            assertThat(context).hasFailed();
            for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                message.append(t.getMessage()).append('\n');
            }
        });
        return message.toString();
    }

    @Test
    void shouldUseTheScriptsSchedulesAndRetentionWhenNothingIsConfigured() {
        runner().run(context -> {
            DatabaseTargets databases = context.getBean(DatabaseTargets.class);
            assertThat(databases.names()).containsExactly("shop");
            assertThat(databases.kind("shop")).isEqualTo("mongodb");
            assertThat(databases.schedule("shop"))
                    .containsExactly(
                            Map.entry("daily", "0 0 2 * * ?"),
                            Map.entry("weekly", "0 0 3 ? * SUN"),
                            Map.entry("monthly", "0 0 4 1 * ?"));
            assertThat(List.of(
                            databases.keep("shop", "daily"),
                            databases.keep("shop", "weekly"),
                            databases.keep("shop", "monthly"),
                            databases.keep("shop", "manual")))
                    .containsExactly(7, 4, 12, 10);
        });
    }

    @Test
    void shouldTakeSchedulesAndRetentionPerTargetFromConfiguration() {
        runner(
                        "runbook.targets.shop.backups.db-schedule.daily=0 30 1 * * ?",
                        "runbook.targets.shop.backups.db-schedule.monthly=off",
                        "runbook.targets.shop.backups.db-keep.daily=3")
                .run(context -> {
                    DatabaseTargets databases = context.getBean(DatabaseTargets.class);
                    assertThat(databases.schedule("shop"))
                            .containsEntry("daily", "0 30 1 * * ?")
                            .containsEntry("weekly", "0 0 3 ? * SUN")
                            .containsEntry("monthly", "off");
                    assertThat(databases.keep("shop", "daily")).isEqualTo(3);
                    assertThat(databases.keep("shop", "weekly"))
                            .as("unnamed class keeps its default")
                            .isEqualTo(4);
                });
    }

    @Test
    void shouldStopStartupNamingThePropertyWhenACronIsInvalid() {
        assertThat(startupError(runner("runbook.targets.shop.backups.db-schedule.weekly=0 0 3 * * MONDAY")))
                .contains(
                        "runbook.targets.shop.backups.db-schedule.weekly: invalid cron expression '0 0 3 * * MONDAY'");
    }

    @Test
    void shouldStopStartupNamingThePropertyWhenKindUriOrRetentionIsWrong() {
        assertThat(startupError(runner("runbook.targets.shop.database.kind=mysql")))
                .contains("runbook.targets.shop.database.kind: 'mysql' is not supported");
        assertThat(startupError(runner("runbook.targets.shop.database.uri=mongodb://app:secret-pw@127.0.0.1:27017")))
                .contains("runbook.targets.shop.database.uri: must name the database")
                .doesNotContain("secret-pw");
        assertThat(startupError(runner("runbook.targets.shop.backups.db-keep.hourly=3")))
                .contains("runbook.targets.shop.backups.db-keep.hourly");
        assertThat(startupError(runner("runbook.targets.shop.backups.db-keep.daily=0")))
                .contains("runbook.targets.shop.backups.db-keep.daily");
    }
}

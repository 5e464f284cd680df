package dev.runbook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.runbook.config.RunbookProperties.ComponentSpec;
import dev.runbook.config.RunbookProperties.Target;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** Start-up checks of the {@code runbook.targets} configuration, and component selection. */
class TargetRegistryTest {

    @TempDir
    Path workdir;

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(TargetsConfiguration.class);

    @Test
    void shouldStartWhenTargetIsValid() {
        context.withPropertyValues(shop(workdir.toString())).run(started -> {
            assertThat(started).hasNotFailed();
            TargetRegistry registry = started.getBean(TargetRegistry.class);
            Target shop = registry.get("shop");
            assertThat(shop.workdir()).isEqualTo(workdir);
            assertThat(shop.components().keySet()).containsExactly("backend", "frontend");
            assertThat(shop.components().get("backend").artifacts()).containsExactly("dist", "node_modules");
        });
    }

    @Test
    void shouldFailStartUpNamingPropertyWhenWorkdirDoesNotExist() {
        context.withPropertyValues(shop(workdir.resolve("missing").toString())).run(failed -> {
            assertThat(failed).hasFailed();
            assertThat(failed.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("runbook.targets.shop.workdir")
                    .hasMessageContaining(workdir.resolve("missing").toString());
        });
    }

    @Test
    void shouldStartWhenPreparerBeanCreatesMissingWorkdir() {
        Path missing = workdir.resolve("created-by-preparer");
        TargetPreparer createWorkdir =
                properties -> properties.targets().values().forEach(target -> {
                    try {
                        java.nio.file.Files.createDirectories(target.workdir());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });

        context.withBean(TargetPreparer.class, () -> createWorkdir)
                .withPropertyValues(shop(missing.toString()))
                .run(started -> assertThat(started).hasNotFailed());
        assertThat(missing).isDirectory();
    }

    /**
     * The bean validation of {@code @NotNull healthUrl} fires while binding, before the registry's own check, so the
     * message names the property in its Java form ({@code healthUrl}); either spelling identifies it.
     */
    @Test
    void shouldFailStartUpNamingHealthUrlWhenComponentLacksIt() {
        String[] withoutHealthUrl = Stream.of(shop(workdir.toString()))
                .filter(property -> !property.startsWith("runbook.targets.shop.components.frontend.health-url"))
                .toArray(String[]::new);

        context.withPropertyValues(withoutHealthUrl).run(failed -> {
            assertThat(failed).hasFailed();
            assertThat(causeMessages(failed.getStartupFailure()))
                    .containsPattern(
                            "targets(\\.|\\[)shop]?\\.components(\\.|\\[)frontend]?\\." + "(health-url|healthUrl)");
        });
    }

    @Test
    void shouldSelectNamedComponentsWhenListIsGiven() {
        Target shop = target(workdir, "backend", "frontend", "worker");

        assertThat(TargetRegistry.select(shop, "backend, frontend")).containsOnlyKeys("backend", "frontend");
        assertThat(TargetRegistry.select(shop, "worker")).containsOnlyKeys("worker");
    }

    @Test
    void shouldSelectEveryComponentWhenAllOrBlank() {
        Target shop = target(workdir, "backend", "frontend", "worker");

        assertThat(TargetRegistry.select(shop, "all")).containsOnlyKeys("backend", "frontend", "worker");
        assertThat(TargetRegistry.select(shop, " ")).containsOnlyKeys("backend", "frontend", "worker");
        assertThat(TargetRegistry.select(shop, null)).containsOnlyKeys("backend", "frontend", "worker");
    }

    @Test
    void shouldKeepConfigurationOrderWhenSelectingAll() {
        String[] names = {"database", "backend", "worker", "frontend", "admin", "docs", "cdn"};
        Target shop = target(workdir, names);

        assertThat(TargetRegistry.select(shop, "all").keySet()).containsExactly(names);
        assertThat(TargetRegistry.select(shop, "frontend,backend").keySet()).containsExactly("frontend", "backend");
    }

    @Test
    void shouldRejectSelectionNamingComponentWhenItIsUnknown() {
        Target shop = target(workdir, "backend", "frontend");

        assertThatIllegalArgumentException()
                .isThrownBy(() -> TargetRegistry.select(shop, "backend,admin"))
                .withMessageContaining("'admin'");
    }

    /** Properties of target "shop" with components backend and frontend, each with every required setting. */
    private static String[] shop(String workdir) {
        return new String[] {
            "runbook.data-dir=" + workdir,
            "runbook.targets.shop.workdir=" + workdir,
            "runbook.targets.shop.components.backend.dir=backend",
            "runbook.targets.shop.components.backend.pm2-app=shop-backend",
            "runbook.targets.shop.components.backend.ecosystem=backend/ecosystem.config.js",
            "runbook.targets.shop.components.backend.health-url=http://127.0.0.1:3000/api/health",
            "runbook.targets.shop.components.frontend.dir=frontend",
            "runbook.targets.shop.components.frontend.pm2-app=shop-frontend",
            "runbook.targets.shop.components.frontend.ecosystem=frontend/ecosystem.config.js",
            "runbook.targets.shop.components.frontend.health-url=http://127.0.0.1:3001/",
        };
    }

    private static Target target(Path workdir, String... componentNames) {
        Map<String, ComponentSpec> components = new LinkedHashMap<>();
        for (String name : componentNames) {
            components.put(
                    name,
                    new ComponentSpec(
                            name,
                            List.of("npm", "ci"),
                            List.of("npm", "run", "build"),
                            null,
                            List.of("dist"),
                            "shop-" + name,
                            name + "/ecosystem.config.js",
                            URI.create("http://127.0.0.1:3000/" + name),
                            null));
        }
        return new Target(workdir, "origin", "main", null, Map.of(), components, null, null, null, null, workdir, null);
    }

    /** Every message in the cause chain, one per line. */
    private static String causeMessages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RunbookProperties.class)
    @Import(TargetRegistry.class)
    static class TargetsConfiguration {}
}

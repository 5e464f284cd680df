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
            assertThat(shop.root()).isEqualTo(workdir);
            assertThat(shop.workdir()).isNull();
            assertThat(shop.layout().releases()).isEqualTo(workdir.resolve("releases"));
            assertThat(shop.releases().keep()).isEqualTo(10);
            assertThat(shop.components().keySet()).containsExactly("backend", "frontend");
            assertThat(shop.components().get("backend").artifacts()).containsExactly("dist", "node_modules");
        });
    }

    /** Like the health URL below, {@code @NotNull root} fires while binding; its Java and property names agree. */
    @Test
    void shouldFailStartUpNamingRootWhenItIsNotSet() {
        String[] withoutRoot = Stream.of(shop(workdir.toString()))
                .filter(property -> !property.startsWith("runbook.targets.shop.root"))
                .toArray(String[]::new);

        context.withPropertyValues(withoutRoot).run(failed -> {
            assertThat(failed).hasFailed();
            assertThat(causeMessages(failed.getStartupFailure())).containsPattern("targets(\\.|\\[)shop]?\\.root");
        });
    }

    @Test
    void shouldCreateTheRootWhenItDoesNotExist() {
        Path missing = workdir.resolve("srv/shop");

        context.withPropertyValues(shop(missing.toString()))
                .run(started -> assertThat(started).hasNotFailed());
        assertThat(missing).isDirectory();
    }

    @Test
    void shouldFailStartUpNamingRootWhenItCannotBeCreated() throws Exception {
        Path file = java.nio.file.Files.writeString(workdir.resolve("not-a-folder"), "x");
        Path impossible = file.resolve("shop");

        context.withPropertyValues(shop(impossible.toString())).run(failed -> {
            assertThat(failed).hasFailed();
            assertThat(failed.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("runbook.targets.shop.root")
                    .hasMessageContaining(impossible.toString());
        });
    }

    /** The work dir is read only to adopt an in-place checkout: one that is gone does not stop the platform. */
    @Test
    void shouldNotCheckTheWorkdir() {
        String[] withGoneWorkdir = Stream.concat(
                        Stream.of(shop(workdir.toString())),
                        Stream.of("runbook.targets.shop.workdir=" + workdir.resolve("gone")))
                .toArray(String[]::new);

        context.withPropertyValues(withGoneWorkdir).run(started -> {
            assertThat(started).hasNotFailed();
            assertThat(started.getBean(TargetRegistry.class).get("shop").workdir())
                    .isEqualTo(workdir.resolve("gone"));
        });
        assertThat(workdir.resolve("gone")).doesNotExist();
    }

    @Test
    void shouldRunPreparerBeansBeforeTheTargetsAreChecked() {
        Path missing = workdir.resolve("created-after-preparer");
        List<Boolean> rootExistedWhenPrepared = new java.util.ArrayList<>();
        TargetPreparer recordRoot = properties -> properties
                .targets()
                .values()
                .forEach(target -> rootExistedWhenPrepared.add(java.nio.file.Files.exists(target.root())));

        context.withBean(TargetPreparer.class, () -> recordRoot)
                .withPropertyValues(shop(missing.toString()))
                .run(started -> assertThat(started).hasNotFailed());
        assertThat(rootExistedWhenPrepared).containsExactly(false);
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

    /** Properties of target "shop" (its root and data dir {@code root}) with components backend and frontend, each with every required setting. */
    @Test
    void shouldReloadEachComponentAfterTheOnesItDependsOnAndOtherwiseInTheOrderGiven() {
        Map<String, ComponentSpec> components = new LinkedHashMap<>();
        components.put("frontend", component("frontend", "backend"));
        components.put("admin", component("admin", "backend", "frontend"));
        components.put("backend", component("backend"));
        components.put("worker", component("worker"));

        assertThat(TargetRegistry.reloadOrder(components)).containsExactly("backend", "frontend", "admin", "worker");
        // an update of the frontend alone: its dependency is not part of the run
        assertThat(TargetRegistry.reloadOrder(Map.of("frontend", component("frontend", "backend"))))
                .containsExactly("frontend");
    }

    @Test
    void shouldFailStartUpNamingACycleOrAnUnknownComponentInDependsOn() {
        String[] cycle = Stream.concat(
                        Stream.of(shop(workdir.toString())),
                        Stream.of(
                                "runbook.targets.shop.components.frontend.depends-on=backend",
                                "runbook.targets.shop.components.backend.depends-on=frontend"))
                .toArray(String[]::new);
        context.withPropertyValues(cycle).run(failed -> {
            assertThat(failed).hasFailed();
            assertThat(causeMessages(failed.getStartupFailure()))
                    .contains("runbook.targets.shop.components: depends-on forms a cycle: ");
        });

        String[] unknown = Stream.concat(
                        Stream.of(shop(workdir.toString())),
                        Stream.of("runbook.targets.shop.components.frontend.depends-on=api"))
                .toArray(String[]::new);
        context.withPropertyValues(unknown).run(failed -> {
            assertThat(failed).hasFailed();
            assertThat(causeMessages(failed.getStartupFailure()))
                    .contains("runbook.targets.shop.components.frontend.depends-on: 'api' is not another component");
        });
    }

    private static ComponentSpec component(String name, String... dependsOn) {
        return new ComponentSpec(
                name,
                List.of("npm", "ci"),
                List.of("npm", "run", "build"),
                null,
                List.of("dist"),
                "shop-" + name,
                name + "/ecosystem.config.js",
                URI.create("http://127.0.0.1:3000/" + name),
                null,
                List.of(dependsOn));
    }

    private static String[] shop(String root) {
        return new String[] {
            "runbook.data-dir=" + root,
            "runbook.targets.shop.root=" + root,
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
            components.put(name, component(name));
        }
        return new Target(
                null,
                "origin",
                "main",
                null,
                Map.of(),
                components,
                null,
                null,
                null,
                null,
                workdir,
                null,
                null,
                null,
                null);
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

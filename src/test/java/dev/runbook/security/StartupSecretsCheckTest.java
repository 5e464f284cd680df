package dev.runbook.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.config.RunbookProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.mock.env.MockEnvironment;

/** Outside the demo, no default or empty administrator password and no secret inside the jar. */
class StartupSecretsCheckTest {

    static final String JAR =
            "Config resource 'class path resource [application.yaml]' via location " + "'optional:classpath:/'";
    static final String FILE =
            "Config resource 'file [config/application.yaml]' via location 'optional:file:./config/'";

    @Test
    void shouldRefuseDefaultEmptyOrShortAdministratorPasswords() {
        for (String password : List.of("admin", "Admin", "changeme", "root1", "  ", "secret")) {
            MockEnvironment environment = environment(FILE, "runbook.identity.users[0].password", password);
            assertThatThrownBy(() -> new StartupSecretsCheck(environment, users(admin("root", password))))
                    .as(password)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("runbook.identity.users[0].password (root)");
        }
        assertThatThrownBy(() -> new StartupSecretsCheck(environment(FILE, "x", "y"), users(admin("root", "root"))))
                .hasMessageContaining("default");
    }

    @Test
    void shouldAcceptAStrongAdministratorPasswordFromOutsideTheJarAndWeakOnesOfOtherUsers() {
        MockEnvironment environment = environment(FILE, "runbook.identity.users[0].password", "c0rrect-h0rse");
        assertThatCode(() -> new StartupSecretsCheck(
                        environment,
                        users(
                                admin("root", "c0rrect-h0rse"),
                                new RunbookProperties.User("alice", "alice", List.of("operators")))))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAPasswordOrDatabaseUriPackagedInTheJar() {
        MockEnvironment environment = environment(JAR, "runbook.identity.users[0].password", "c0rrect-h0rse");
        assertThatThrownBy(() -> new StartupSecretsCheck(environment, users(admin("root", "c0rrect-h0rse"))))
                .hasMessageContaining("inside the application");
        MockEnvironment datasource = environment(JAR, "spring.datasource.password", "pw");
        assertThatThrownBy(() -> new StartupSecretsCheck(datasource, users()))
                .hasMessageContaining("spring.datasource.password");
        MockEnvironment empty = environment(JAR, "spring.datasource.password", "");
        assertThatCode(() -> new StartupSecretsCheck(empty, users())).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseCamundasAdminUserWithoutItsOwnPassword() {
        MockEnvironment environment = environment(FILE, "camunda.bpm.admin-user.id", "demo");
        assertThatThrownBy(() -> new StartupSecretsCheck(environment, users()))
                .hasMessageContaining("camunda.bpm.admin-user.password");
    }

    @Test
    void shouldLetTheDemoProfileKeepItsDemoUsers() {
        MockEnvironment environment = environment(JAR, "runbook.identity.users[0].password", "admin");
        environment.setActiveProfiles("demo");
        assertThatCode(() -> new StartupSecretsCheck(environment, users(admin("admin", "admin"))))
                .doesNotThrowAnyException();
    }

    private static RunbookProperties.User admin(String id, String password) {
        return new RunbookProperties.User(id, password, List.of("camunda-admin"));
    }

    private static RunbookProperties users(RunbookProperties.User... users) {
        return new RunbookProperties(Path.of("."), null, new RunbookProperties.Identity(List.of(users)), Map.of());
    }

    private static MockEnvironment environment(String sourceName, String key, String value) {
        MockEnvironment environment = new MockEnvironment();
        environment.getPropertySources().addLast(new MapPropertySource(sourceName, Map.of(key, value)));
        return environment;
    }
}

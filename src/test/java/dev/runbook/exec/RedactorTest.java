package dev.runbook.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runbook.config.RunbookProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What the redactor masks: URI credentials, secret assignments, authorization headers, known tokens, configured secrets. */
class RedactorTest {

    private final Redactor redactor = new Redactor(
            new RunbookProperties(
                    Path.of("."),
                    null,
                    new RunbookProperties.Identity(List.of(
                            new RunbookProperties.User("admin", "Adm1n-Passw0rd", List.of("camunda-admin")),
                            new RunbookProperties.User("alice", "alice", List.of("operators")))),
                    Map.of()),
            List.of());

    @Test
    void shouldMaskSecretsWhereverTheyAppear() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("mongodb://shop:pa55@db:27017/shop", "mongodb://shop:****@db:27017/shop"),
                Map.entry("PGPASSWORD=hunter2 pg_dump shop", "PGPASSWORD=**** pg_dump shop"),
                Map.entry("//npm.example.com/:_authToken=abc123def", "//npm.example.com/:_authToken=****"),
                Map.entry("{\"password\":\"s3cret\",\"user\":\"bob\"}", "{\"password\":\"****\",\"user\":\"bob\"}"),
                Map.entry("client_secret: xyz789 next", "client_secret: **** next"),
                Map.entry("api-key=K-1234&page=2", "api-key=****&page=2"),
                Map.entry("Authorization: Basic YWxpY2U6YWxpY2UtcHc=", "Authorization: Basic ****"),
                Map.entry("curl -H 'Authorization: Bearer eyJhbGciOi'", "curl -H 'Authorization: Bearer ****'"),
                Map.entry("sent bearer abcdefghijklmnopqrstuvwxyz012345", "sent bearer ****"),
                Map.entry("GITHUB_TOKEN ghp_abcdefghijklmnopqrstuvwxyz0123456789", "GITHUB_TOKEN ****"),
                Map.entry("key AKIAABCDEFGHIJKLMNOP used", "key **** used"),
                Map.entry("login as admin with Adm1n-Passw0rd failed", "login as admin with **** failed"));
        cases.forEach(
                (text, masked) -> assertThat(redactor.redact(text)).as(text).isEqualTo(masked));
    }

    @Test
    void shouldLeaveOrdinaryTextAlone() {
        for (String text : List.of(
                "created user alice in groups [operators]",
                "npm ci --no-audit",
                "$ git fetch --tags --force --prune origin",
                "password-stdin is not supported",
                "tokens left: ",
                "Task_ApproveRelease waits for approvers")) {
            assertThat(redactor.redact(text)).isEqualTo(text);
        }
        assertThat(redactor.redact((String) null)).isNull();
    }

    @Test
    void shouldMaskLogLinesWithTheSecretsOfTheApplicationsRedactorWhileItsContextRuns() {
        ApplicationContextRunner application = new ApplicationContextRunner()
                .withBean(RunbookProperties.class, () -> properties("Adm1n-Passw0rd"))
                .withBean(Redactor.class);

        application.run(started -> {
            assertThat(started).hasNotFailed();
            assertThat(LogRedaction.apply("retrying with Adm1n-Passw0rd")).isEqualTo("retrying with ****");
            assertThat(LogRedaction.apply("token=abc")).isEqualTo("token=****");
        });
        assertThat(LogRedaction.apply("retrying with Adm1n-Passw0rd")).isEqualTo("retrying with Adm1n-Passw0rd");
        assertThat(LogRedaction.apply("token=abc")).isEqualTo("token=****");
    }

    @Test
    void shouldKeepMaskingLogLinesWhenSomethingElseBuildsARedactor() {
        ApplicationContextRunner application = new ApplicationContextRunner()
                .withBean(RunbookProperties.class, () -> properties("Adm1n-Passw0rd"))
                .withBean(Redactor.class);

        application.run(started -> {
            new Redactor(new RunbookProperties(Path.of("."), null, null, Map.of()), List.of());
            assertThat(LogRedaction.apply("retrying with Adm1n-Passw0rd")).isEqualTo("retrying with ****");
        });
    }

    private static RunbookProperties properties(String adminPassword) {
        return new RunbookProperties(
                Path.of("."),
                null,
                new RunbookProperties.Identity(
                        List.of(new RunbookProperties.User("admin", adminPassword, List.of("camunda-admin")))),
                Map.of());
    }
}

package dev.runbook.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document at {@code /v3/api-docs} (and Swagger UI at {@code /swagger-ui/index.html}): the platform's
 * title and version, HTTP Basic as its security scheme (Swagger UI's Authorize button), and one tag per resource.
 */
@Configuration
class ApiDocumentation {

    static final String BASIC = "basic";

    @Bean
    OpenAPI runbookOpenApi(ObjectProvider<BuildProperties> build) {
        String version = Optional.ofNullable(build.getIfAvailable())
                .map(BuildProperties::getVersion)
                .orElse("development");
        return new OpenAPI()
                .info(new Info()
                        .title("Runbook Platform API")
                        .version(version)
                        .description("Deploy, update, roll back, restart, back up and restore Node.js targets as "
                                + "BPMN runs with approvals. Every call needs HTTP Basic credentials of a platform "
                                + "user; what a user may call depends on their groups (docs/security.md)."))
                .components(new Components()
                        .addSecuritySchemes(
                                BASIC,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("basic")))
                .addSecurityItem(new SecurityRequirement().addList(BASIC))
                .tags(List.of(
                        new Tag().name("Targets").description("targets, their releases and what serves"),
                        new Tag().name("Runs").description("starting, following and withdrawing runs"),
                        new Tag().name("Approvals").description("releases waiting for a decision"),
                        new Tag().name("Services").description("PM2 apps of a target"),
                        new Tag().name("Database backups").description("database backups and restores"),
                        new Tag().name("Health").description("the health report of a target"),
                        new Tag().name("Audit").description("audit trail and login log (administrators)"),
                        new Tag().name("Me").description("the signed-in user and what they may do")));
    }
}

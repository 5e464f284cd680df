package dev.runbook.approval;

import org.springframework.boot.autoconfigure.jersey.ResourceConfigCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Makes {@code /engine-rest} answer a four-eyes refusal (the engine wraps the task listener's exception) with 403
 * and the listener's message, like {@code /api}, and a start refused by the target lock with 409 (busy) or 400 (no
 * target); every other engine exception is answered as Camunda does.
 */
@Configuration
class FourEyesRestConfiguration {

    @Bean
    ResourceConfigCustomizer fourEyesExceptionMapper() {
        return config -> config.register(FourEyesExceptionMapper.ForEngineExceptions.class)
                .register(FourEyesExceptionMapper.ForRestExceptions.class);
    }
}

package dev.runbook.security;

import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * HTTP Basic authentication against Camunda's identity service for {@code /api/*}, {@code /engine-rest/*} and the run
 * pages ({@code /runs}, {@code /runs/*}; the browser prompts)
 * (Camunda's own {@link ProcessEngineAuthenticationFilter}). Unauthenticated calls get 401; an authenticated call
 * runs with the user and their groups as the engine's current authentication, so {@code camunda:initiator} and the
 * four-eyes listener see who it is.
 */
@Configuration
class AuthenticationConfiguration {

    @Bean
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> basicAuthenticationFilter() {
        FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration = new FilterRegistrationBean<>(
                new ProcessEngineAuthenticationFilter());
        registration.setName("runbook-basic-authentication");
        registration.addUrlPatterns("/api/*", "/engine-rest/*");
        registration.addUrlPatterns("/runs", "/runs/*");
        registration.addInitParameter(ProcessEngineAuthenticationFilter.AUTHENTICATION_PROVIDER_PARAM,
                HttpBasicAuthenticationProvider.class.getName());
        registration.setOrder(10);
        return registration;
    }
}

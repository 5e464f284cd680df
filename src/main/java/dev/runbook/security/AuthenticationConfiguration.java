package dev.runbook.security;

import dev.runbook.audit.Refusals;
import org.camunda.bpm.engine.IdentityService;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the platform's HTTP filters for every path: {@link ApiAuthenticationFilter} (HTTP Basic sign-in and
 * the {@link AccessRules}) and then {@link RequestBodyLimitFilter} (413 for oversized request bodies).
 */
@Configuration
class AuthenticationConfiguration {

    @Bean
    FilterRegistrationBean<ApiAuthenticationFilter> basicAuthenticationFilter(
            IdentityService identity, Refusals refusals) {
        FilterRegistrationBean<ApiAuthenticationFilter> registration =
                new FilterRegistrationBean<>(new ApiAuthenticationFilter(identity, refusals));
        registration.setName("runbook-basic-authentication");
        registration.addUrlPatterns("/*");
        registration.setOrder(10);
        return registration;
    }

    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(SecurityProperties properties) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestBodyLimitFilter(properties.maxBodySize().toBytes()));
        registration.setName("runbook-request-body-limit");
        registration.addUrlPatterns("/api/*");
        registration.setOrder(11);
        return registration;
    }
}

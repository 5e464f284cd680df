package dev.runbook.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.audit.Refusals;
import dev.runbook.config.HostsProperties;
import dev.runbook.host.HostContacts;
import org.camunda.bpm.engine.ExternalTaskService;
import org.camunda.bpm.engine.IdentityService;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers the platform's HTTP filters for every path: {@link ApiAuthenticationFilter} (HTTP Basic sign-in,
 * the {@link AccessRules} and, for agents, the {@link AgentScope}) and then {@link RequestBodyLimitFilter} (413 for oversized request bodies).
 */
@Configuration
class AuthenticationConfiguration {

    @Bean
    FilterRegistrationBean<ApiAuthenticationFilter> basicAuthenticationFilter(
            IdentityService identity,
            Refusals refusals,
            HostsProperties hosts,
            ExternalTaskService externalTasks,
            ObjectMapper json,
            HostContacts contacts,
            ClientAddress addresses) {
        FilterRegistrationBean<ApiAuthenticationFilter> registration =
                new FilterRegistrationBean<>(new ApiAuthenticationFilter(
                        identity, refusals, new AgentScope(hosts, externalTasks, json, contacts, addresses)));
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

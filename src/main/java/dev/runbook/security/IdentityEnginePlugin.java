package dev.runbook.security;

import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.Session;
import org.camunda.bpm.engine.impl.interceptor.SessionFactory;
import org.springframework.stereotype.Component;

/** Engine plugin that installs {@link GuardedIdentityProvider} as the engine's (read and write) identity provider. */
@Component
class IdentityEnginePlugin extends AbstractProcessEnginePlugin {

    private final LoginGuard guard;

    IdentityEnginePlugin(LoginGuard guard) {
        this.guard = guard;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        configuration.setIdentityProviderSessionFactory(new SessionFactory() {
            @Override
            public Class<?> getSessionType() {
                return GuardedIdentityProvider.class;
            }

            @Override
            public Session openSession() {
                return new GuardedIdentityProvider(guard);
            }
        });
    }
}

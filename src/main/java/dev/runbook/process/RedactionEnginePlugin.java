package dev.runbook.process;

import dev.runbook.exec.Redactor;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.delegate.DefaultDelegateInterceptor;
import org.springframework.stereotype.Component;

/** Engine plugin that installs {@link RedactingDelegateInterceptor} around the engine's delegate interceptor. */
@Component
class RedactionEnginePlugin extends AbstractProcessEnginePlugin {

    private final Redactor redactor;

    RedactionEnginePlugin(Redactor redactor) {
        this.redactor = redactor;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        configuration.setDelegateInterceptor(new RedactingDelegateInterceptor(
                configuration.getDelegateInterceptor() == null
                        ? new DefaultDelegateInterceptor()
                        : configuration.getDelegateInterceptor(),
                redactor));
    }
}

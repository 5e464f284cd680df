package dev.runbook.security;

import jakarta.servlet.ServletContext;
import java.util.Optional;
import java.util.Set;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.ProcessEngines;
import org.camunda.bpm.engine.rest.spi.ProcessEngineProvider;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.support.WebApplicationContextUtils;

/**
 * The process engine that {@code /engine-rest} and the webapps (Cockpit, Tasklist, Admin and their
 * {@code /camunda/api}) serve: the engine of the application the HTTP request came in to.
 *
 * <p>Camunda's own providers look engines up by name in the JVM-wide {@link ProcessEngines} registry, where the
 * engine registered last under a name wins. With a second engine named {@code default} in the JVM (another Spring
 * context, as in the test JVM, or a {@code camunda.cfg.xml} on the classpath) a request was served by an engine that
 * had not authenticated its user (the engine's current user is per engine) and so checked no authorization at all:
 * an approver read every run's history, a webapp login was checked and logged by the other engine, and a process
 * deployed here was unknown to {@code /engine-rest}. This provider takes the engine bean of the request's own
 * application context; a name that is not that engine's finds nothing. Outside a request it answers like Camunda's.
 *
 * <p>Camunda picks the first provider its service loader finds; {@code META-INF/services} of the application comes
 * before those of the Camunda jars on the class path (and in the boot jar), which {@code ProcessEngineProviderTest}
 * checks.
 */
public class ApplicationProcessEngineProvider implements ProcessEngineProvider {

    @Override
    public ProcessEngine getDefaultProcessEngine() {
        return requestsEngine().orElseGet(ProcessEngines::getDefaultProcessEngine);
    }

    @Override
    public ProcessEngine getProcessEngine(String name) {
        if (!inRequest()) {
            return ProcessEngines.getProcessEngine(name);
        }
        return requestsEngine().filter(engine -> engine.getName().equals(name)).orElse(null);
    }

    @Override
    public Set<String> getProcessEngineNames() {
        if (!inRequest()) {
            return ProcessEngines.getProcessEngines().keySet();
        }
        return requestsEngine().map(engine -> Set.of(engine.getName())).orElse(Set.of());
    }

    private static boolean inRequest() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes;
    }

    /** The engine bean of the application context that serves the current request, if any. */
    private static Optional<ProcessEngine> requestsEngine() {
        if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes)) {
            return Optional.empty();
        }
        ServletContext servletContext = attributes.getRequest().getServletContext();
        WebApplicationContext context = WebApplicationContextUtils.getWebApplicationContext(servletContext);
        return context == null
                ? Optional.empty()
                : Optional.ofNullable(
                        context.getBeanProvider(ProcessEngine.class).getIfUnique());
    }
}

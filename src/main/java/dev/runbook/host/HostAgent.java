package dev.runbook.host;

import dev.runbook.config.DataDir;
import dev.runbook.exec.StepLog;
import dev.runbook.host.HostSteps.Broken;
import dev.runbook.host.HostSteps.Completed;
import dev.runbook.host.HostSteps.Failed;
import dev.runbook.host.HostSteps.Outcome;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables.StepContext;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.camunda.bpm.client.ExternalTaskClient;
import org.camunda.bpm.client.interceptor.auth.BasicAuthProvider;
import org.camunda.bpm.client.task.ExternalTask;
import org.camunda.bpm.client.task.ExternalTaskService;
import org.camunda.bpm.client.topic.TopicSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The agent of one remote host (the jar started with {@code --spring.profiles.active=agent}): with Camunda's external
 * task client it fetches the steps of its host's topic from the platform's {@code /engine-rest} (long polling, worker
 * id = the host, HTTP Basic as the host's agent user, {@code User-Agent: runbook-agent/<version>}), runs each step
 * through {@link HostSteps} with this host's git, npm, PM2 and health checks, and reports: complete with the variables
 * the step wrote, a BPMN error the model handles, or a failure the engine retries ({@value LocalHostWorker#RETRIES}
 * times, {@link LocalHostWorker#RETRY_WAIT} apart) and then shows as an incident. The step's log (redacted) travels
 * back with the outcome. While a step runs its lock is extended every third of {@link AgentProperties#lock}; an agent
 * that dies mid-step loses the lock when it runs out, and the step is fetched again. Steps run one at a time.
 */
class HostAgent implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HostAgent.class);

    private final AgentProperties properties;
    private final HostSteps steps;
    private final DataDir dataDir;
    private final Duration retryWait;
    private ExternalTaskClient client;
    private TopicSubscription subscription;
    private ScheduledExecutorService extender;

    HostAgent(AgentProperties properties, HostSteps steps, DataDir dataDir) {
        this(properties, steps, dataDir, LocalHostWorker.RETRY_WAIT);
    }

    HostAgent(AgentProperties properties, HostSteps steps, DataDir dataDir, Duration retryWait) {
        this.properties = properties;
        this.steps = steps;
        this.dataDir = dataDir;
        this.retryWait = retryWait;
    }

    /** {@code runbook-agent/<version of the jar>}: the client the platform's host health shows. */
    static String userAgent() {
        Properties build = new Properties();
        try (InputStream in = HostAgent.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in != null) {
                build.load(in);
            }
        } catch (IOException e) {
            // no version known
        }
        return "runbook-agent/" + build.getProperty("build.version", "dev");
    }

    @Override
    public synchronized void start() {
        if (client != null) {
            return;
        }
        String platform = properties.platformUrl().toString().replaceAll("/+$", "");
        String agent = userAgent();
        extender = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "agent-lock");
            thread.setDaemon(true);
            return thread;
        });
        client = ExternalTaskClient.create()
                .baseUrl(platform + "/engine-rest")
                .workerId(properties.host())
                .maxTasks(1)
                .asyncResponseTimeout(properties.poll().toMillis())
                .lockDuration(properties.lock().toMillis())
                // long polling already waits on the platform: no extra back-off after an empty answer
                .disableBackoffStrategy()
                .addInterceptor(new BasicAuthProvider(properties.user(), properties.password()))
                .addInterceptor(request -> request.addHeader("User-Agent", agent))
                .build();
        subscription = client.subscribe(HostBound.topic(properties.host()))
                .lockDuration(properties.lock().toMillis())
                .includeExtensionProperties(true)
                .handler(this::handle)
                .open();
        log.info("agent of host {} ({}) fetches its steps from {}", properties.host(), agent, platform);
    }

    @Override
    public synchronized void stop() {
        if (client == null) {
            return;
        }
        subscription.close();
        client.stop();
        extender.shutdownNow();
        client = null;
    }

    @Override
    public boolean isRunning() {
        return client != null;
    }

    private void handle(ExternalTask task, ExternalTaskService service) {
        Map<String, String> properties =
                task.getExtensionProperties() == null ? Map.of() : task.getExtensionProperties();
        StepContext context = new StepContext(
                task.getProcessInstanceId(),
                task.getProcessDefinitionKey(),
                task.getActivityId(),
                null,
                "true".equals(properties.get(HostBound.UNDO_PROPERTY)));
        long every = this.properties.lock().toMillis() / 3;
        ScheduledFuture<?> extension =
                extender.scheduleAtFixedRate(() -> extend(task, service), every, every, TimeUnit.MILLISECONDS);
        Outcome outcome;
        try {
            outcome = steps.run(properties.get(HostBound.STEP_PROPERTY), variables(task), context);
        } catch (RuntimeException e) {
            outcome = new Broken("the agent of " + this.properties.host() + " could not run the step: " + e, null);
        } finally {
            extension.cancel(false);
        }
        try {
            report(
                    task,
                    service,
                    outcome,
                    StepLog.of(dataDir.root(), task.getProcessInstanceId(), task.getActivityId())
                            .tail(HostSteps.LOG_MAX_CHARS));
        } catch (RuntimeException e) {
            // e.g. the link to the platform is cut: the lock runs out and the step is fetched again
            log.warn(
                    "step {} of run {} could not be reported; it runs again once its lock expires: {}",
                    task.getActivityId(),
                    task.getProcessInstanceId(),
                    e.getMessage());
        }
    }

    private static Map<String, Object> variables(ExternalTask task) {
        return new HashMap<>(task.getAllVariables());
    }

    private void report(ExternalTask task, ExternalTaskService service, Outcome outcome, String stepLog) {
        if (outcome instanceof Completed completed) {
            service.complete(task, withLog(completed.variables(), stepLog), null);
        } else if (outcome instanceof Failed failed) {
            service.handleBpmnError(task, failed.code(), failed.message(), withLog(failed.variables(), stepLog));
        } else {
            Broken broken = (Broken) outcome;
            int retries = task.getRetries() == null ? LocalHostWorker.RETRIES : Math.max(task.getRetries() - 1, 0);
            String details = broken.details() == null ? stepLog : broken.details() + "\n--- step log\n" + stepLog;
            service.handleFailure(task, broken.message(), details, retries, retryWait.toMillis());
        }
    }

    private static Map<String, Object> withLog(Map<String, Object> variables, String stepLog) {
        Map<String, Object> all = new HashMap<>(variables);
        if (!stepLog.isEmpty()) {
            all.put(HostSteps.LOG_VARIABLE, stepLog);
        }
        return all;
    }

    private void extend(ExternalTask task, ExternalTaskService service) {
        try {
            service.extendLock(task, properties.lock().toMillis());
        } catch (RuntimeException e) {
            log.warn(
                    "could not extend the lock of step {} of run {}: {}",
                    task.getActivityId(),
                    task.getProcessInstanceId(),
                    e.getMessage());
        }
    }
}

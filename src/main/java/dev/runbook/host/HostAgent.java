package dev.runbook.host;

import dev.runbook.config.DataDir;
import dev.runbook.exec.Redactor;
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
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.camunda.bpm.client.ExternalTaskClient;
import org.camunda.bpm.client.exception.ConnectionLostException;
import org.camunda.bpm.client.exception.EngineException;
import org.camunda.bpm.client.exception.NotFoundException;
import org.camunda.bpm.client.exception.UnknownHttpErrorException;
import org.camunda.bpm.client.interceptor.auth.BasicAuthProvider;
import org.camunda.bpm.client.task.ExternalTask;
import org.camunda.bpm.client.task.ExternalTaskService;
import org.camunda.bpm.client.topic.TopicSubscription;
import org.camunda.bpm.engine.variable.Variables;
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

    /** How often a finished step's report is tried again while the platform cannot be reached. */
    static final Duration REPORT_RETRY = Duration.ofSeconds(2);
    /** The engine's error type when a report lost a race with another change of the same run. */
    static final String CONCURRENT_CHANGE = "OptimisticLockingException";

    static final int CONCURRENT_CHANGE_ATTEMPTS = 20;

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** How much longer than its poll time a fetch may take to answer before the agent gives it up. */
    static final Duration RESPONSE_MARGIN = Duration.ofSeconds(15);

    private final AgentProperties properties;
    private final HostSteps steps;
    private final DataDir dataDir;
    private final Redactor redactor;
    private final Duration retryWait;
    private ExternalTaskClient client;
    private TopicSubscription subscription;
    private volatile boolean running;
    private ScheduledExecutorService extender;

    HostAgent(AgentProperties properties, HostSteps steps, DataDir dataDir, Redactor redactor) {
        this(properties, steps, dataDir, redactor, LocalHostWorker.RETRY_WAIT);
    }

    HostAgent(AgentProperties properties, HostSteps steps, DataDir dataDir, Redactor redactor, Duration retryWait) {
        this.redactor = redactor;
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
        running = true;
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
                // a cut link fails a call within seconds (HttpClient waits minutes by default); a long-polling
                // fetch may take its whole poll time to answer
                .customizeHttpClient(http -> http.setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                        .setResponseTimeout(Timeout.of(properties.poll().plus(RESPONSE_MARGIN)))
                        .build()))
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
        running = false; // a report waiting for a cut link gives up (the step runs again once its lock expires)
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
        if (task.getCreateTime() != null && task.getRetries() == null) {
            // the agent's dispatch (bench/dispatch.py reads it): from the step's creation on the platform to its fetch
            log.info(
                    "step {} of run {} fetched {} ms after it was created",
                    task.getActivityId(),
                    task.getProcessInstanceId(),
                    Duration.between(task.getCreateTime().toInstant(), Instant.now())
                            .toMillis());
        }
        Map<String, String> stepProperties =
                task.getExtensionProperties() == null ? Map.of() : task.getExtensionProperties();
        StepContext context = new StepContext(
                task.getProcessInstanceId(),
                task.getProcessDefinitionKey(),
                task.getActivityId(),
                null,
                "true".equals(stepProperties.get(HostBound.UNDO_PROPERTY)));
        long every = properties.lock().toMillis() / 3;
        ScheduledFuture<?> extension =
                extender.scheduleAtFixedRate(() -> extend(task, service), every, every, TimeUnit.MILLISECONDS);
        Outcome outcome;
        try {
            // HostSteps copies the variables it is given
            outcome = steps.run(stepProperties.get(HostBound.STEP_PROPERTY), task.getAllVariables(), context);
        } catch (RuntimeException e) {
            outcome = new Broken(
                    redactor.redact("the agent of " + properties.host() + " could not run the step: " + e), null);
        } finally {
            extension.cancel(false);
        }
        String stepLog = StepLog.of(dataDir.root(), task.getProcessInstanceId(), task.getActivityId())
                .tail(HostSteps.LOG_MAX_CHARS);
        for (int attempt = 1; ; attempt++) {
            try {
                report(task, service, outcome, stepLog);
                return;
            } catch (ConnectionLostException | UnknownHttpErrorException e) {
                // the link to the platform is cut (or a proxy before it answers 5xx): the step's work is done, so
                // report it once the platform is back (no other agent takes this host's steps meanwhile: this one
                // fetches only when it has reported)
                if (!running) {
                    return;
                }
                if (attempt == 1 || attempt % 30 == 0) {
                    log.warn(
                            "step {} of run {} is done but the platform cannot be reached; reporting again every {} s: {}",
                            task.getActivityId(),
                            task.getProcessInstanceId(),
                            REPORT_RETRY.toSeconds(),
                            e.getMessage());
                }
                if (!sleep(REPORT_RETRY)) {
                    return;
                }
            } catch (NotFoundException e) {
                // the run was cancelled meanwhile, or its step ended otherwise
                log.warn(
                        "step {} of run {} is gone; its outcome is dropped: {}",
                        task.getActivityId(),
                        task.getProcessInstanceId(),
                        e.getMessage());
                return;
            } catch (RuntimeException e) {
                if (e instanceof EngineException engine
                        && CONCURRENT_CHANGE.equals(engine.getType())
                        && attempt < CONCURRENT_CHANGE_ATTEMPTS
                        && running) {
                    // another host of the same batch reported at the same moment and the platform's transaction lost
                    // the race (the engine's optimistic locking); nothing of this report was kept: send it again
                    log.info(
                            "step {} of run {}: the run changed concurrently, reporting again: {}",
                            task.getActivityId(),
                            task.getProcessInstanceId(),
                            e.getMessage());
                    if (!sleep(
                            Duration.ofMillis(100 + ThreadLocalRandom.current().nextInt(400)))) {
                        return;
                    }
                    continue;
                }
                // the platform refused the report itself: fail the step (retried, then an incident) rather than
                // let its lock run out and the step run again and again
                log.warn(
                        "step {} of run {} could not be reported, failing it: {}",
                        task.getActivityId(),
                        task.getProcessInstanceId(),
                        e.getMessage());
                try {
                    fail(
                            task,
                            service,
                            new Broken(
                                    redactor.redact("the platform refused the step's report: " + e.getMessage()), null),
                            stepLog);
                } catch (RuntimeException lost) {
                    log.warn(
                            "step {} of run {} could not be failed either; it runs again once its lock expires: {}",
                            task.getActivityId(),
                            task.getProcessInstanceId(),
                            lost.getMessage());
                }
                return;
            }
        }
    }

    /** False when interrupted (the agent stops). */
    private static boolean sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void report(ExternalTask task, ExternalTaskService service, Outcome outcome, String stepLog) {
        if (outcome instanceof Completed completed) {
            service.complete(task, withLog(completed.variables(), stepLog), null);
        } else if (outcome instanceof Failed failed) {
            service.handleBpmnError(task, failed.code(), failed.message(), withLog(failed.variables(), stepLog));
        } else {
            fail(task, service, (Broken) outcome, stepLog);
        }
    }

    private void fail(ExternalTask task, ExternalTaskService service, Broken broken, String stepLog) {
        String details = broken.details() == null ? stepLog : broken.details() + "\n--- step log\n" + stepLog;
        service.handleFailure(
                task,
                broken.message(),
                details,
                LocalHostWorker.retriesAfterFailure(task.getRetries()),
                retryWait.toMillis());
    }

    /**
     * The step's variables and its log, the log as a transient variable: the platform's end listener of the step
     * reads it in the same transaction and it is never stored (a stored string may hold only 4000 characters).
     */
    private static Map<String, Object> withLog(Map<String, Object> variables, String stepLog) {
        Map<String, Object> all = new HashMap<>(variables);
        if (!stepLog.isEmpty()) {
            all.put(HostSteps.LOG_VARIABLE, Variables.stringValue(stepLog, true));
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

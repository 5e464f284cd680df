package dev.runbook.host;

import dev.runbook.host.HostSteps.Broken;
import dev.runbook.host.HostSteps.Completed;
import dev.runbook.host.HostSteps.Failed;
import dev.runbook.host.HostSteps.Outcome;
import dev.runbook.metrics.RunMetrics;
import dev.runbook.process.HostBound;
import dev.runbook.process.ProcessVariables.StepContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.camunda.bpm.engine.ExternalTaskService;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.externaltask.LockedExternalTask;
import org.camunda.bpm.engine.impl.ProcessEngineImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.SingleConsumerCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The worker of the host {@link HostBound#LOCAL}, in the platform's own process: it fetches and locks the external
 * tasks of that host's topic, runs each step through {@link HostSteps} and reports the outcome, as a remote host's
 * agent does over REST. It waits on the engine's signal for new external tasks (the one that wakes the REST API's
 * long polling), so a step created on this node starts at once; it also looks every {@link #POLL} for steps created on
 * other nodes. While a step runs its lock is extended every third of {@link #LOCK}; the worker id is the node's job
 * lock owner, so a node that dies mid-step has its steps freed with its jobs ({@code run/JobLockOwner}), and a
 * technical failure is retried {@link #RETRIES} times {@link #RETRY_WAIT} apart (as the engine's jobs are) before it
 * becomes an incident.
 */
@Component
class LocalHostWorker implements SmartLifecycle {

    static final Duration LOCK = Duration.ofMinutes(5);
    static final Duration POLL = Duration.ofSeconds(1);
    static final int RETRIES = 2;
    static final Duration RETRY_WAIT = Duration.ofSeconds(10);
    /** Steps run at once; as many as the job executor's threads, which ran them before. */
    static final int THREADS = 4;

    private static final Logger log = LoggerFactory.getLogger(LocalHostWorker.class);

    private final ExternalTaskService externalTasks;
    private final RepositoryService repository;
    private final ProcessEngineConfigurationImpl configuration;
    private final HostSteps steps;
    private final RunMetrics metrics;
    private final Duration retryWait;
    private final String topic = HostBound.topic(HostBound.LOCAL);
    private final Semaphore slots = new Semaphore(THREADS);
    private volatile boolean running;
    private Thread fetcher;
    private ExecutorService pool;
    private ScheduledExecutorService extender;

    @Autowired
    LocalHostWorker(
            ExternalTaskService externalTasks,
            RepositoryService repository,
            ProcessEngineConfigurationImpl configuration,
            HostSteps steps,
            RunMetrics metrics) {
        this(externalTasks, repository, configuration, steps, metrics, RETRY_WAIT);
    }

    /** With another wait between retries (tests). */
    LocalHostWorker(
            ExternalTaskService externalTasks,
            RepositoryService repository,
            ProcessEngineConfigurationImpl configuration,
            HostSteps steps,
            RunMetrics metrics,
            Duration retryWait) {
        this.externalTasks = externalTasks;
        this.repository = repository;
        this.configuration = configuration;
        this.steps = steps;
        this.metrics = metrics;
        this.retryWait = retryWait;
    }

    /** The worker id of the steps this node runs: its job lock owner (set by run/JobLockOwner at engine start). */
    String workerId() {
        return configuration.getHostname();
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        pool = Executors.newFixedThreadPool(THREADS, named("host-local-step"));
        extender = Executors.newSingleThreadScheduledExecutor(named("host-local-lock"));
        fetcher = named("host-local-fetch").newThread(this::fetchLoop);
        fetcher.start();
    }

    /**
     * Stops fetching at once (a fetch waiting for a database connection is interrupted) and gives running steps a few
     * seconds to end; a step still running then keeps its lock and runs again once the lock is freed (class comment).
     */
    @Override
    public synchronized void stop() {
        running = false;
        if (fetcher == null) {
            return;
        }
        fetcher.interrupt();
        try {
            fetcher.join(1_000);
            pool.shutdown();
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        extender.shutdownNow();
        fetcher = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void fetchLoop() {
        SingleConsumerCondition condition = new SingleConsumerCondition(Thread.currentThread());
        ProcessEngineImpl.EXT_TASK_CONDITIONS.addConsumer(condition);
        try {
            while (running) {
                List<LockedExternalTask> fetched = fetch();
                for (LockedExternalTask task : fetched) {
                    try {
                        pool.execute(() -> {
                            try {
                                handle(task);
                            } finally {
                                slots.release();
                                condition.signal();
                            }
                        });
                    } catch (RejectedExecutionException stopping) {
                        // fetched as the worker stops: hand it back at once rather than hold it for the lock time
                        slots.release();
                        unlock(task);
                    }
                }
                if (fetched.isEmpty() && running) {
                    wakeAgents();
                    condition.await(POLL.toMillis());
                }
            }
        } finally {
            ProcessEngineImpl.EXT_TASK_CONDITIONS.removeConsumer(condition);
        }
    }

    /** Locks as many of the host's steps as there are free threads; each taken slot is released by its step. */
    private List<LockedExternalTask> fetch() {
        int free = slots.drainPermits();
        if (free == 0) {
            return List.of();
        }
        List<LockedExternalTask> tasks = List.of();
        try {
            tasks = externalTasks
                    .fetchAndLock(free, workerId())
                    .topic(topic, LOCK.toMillis())
                    .includeExtensionProperties()
                    .execute();
        } catch (RuntimeException e) {
            if (running) {
                log.warn("could not fetch the steps of host {}: {}", HostBound.LOCAL, e.getMessage());
            }
        } finally {
            slots.release(free - tasks.size());
        }
        return tasks;
    }

    /**
     * The engine wakes the agents' long-polling fetches only on the node that created a step; an agent waiting on
     * another node would see it only when its fetch times out (20 s). So each node looks, with its own poll, for steps
     * that no worker holds, and wakes its waiting fetches to look again: a step reaches an agent on any node within
     * about {@link #POLL}. Steps of this node's own host and steps at an incident do not count; a step that waits for
     * an agent that is down keeps the agents' fetches looking every second until it is taken.
     */
    private void wakeAgents() {
        try {
            long waiting = externalTasks
                    .createExternalTaskQuery()
                    .notLocked()
                    .active()
                    .withRetriesLeft()
                    .count();
            long local = waiting == 0
                    ? 0
                    : externalTasks
                            .createExternalTaskQuery()
                            .topicName(topic)
                            .notLocked()
                            .active()
                            .withRetriesLeft()
                            .count();
            if (waiting > local) {
                ProcessEngineImpl.EXT_TASK_CONDITIONS.signalAll();
                // the signal woke this loop too (a park permit): take it back, or the wait below would not wait
                LockSupport.parkNanos(1);
            }
        } catch (RuntimeException e) {
            if (running) {
                log.debug("could not look for steps to wake the agents for: {}", e.getMessage());
            }
        }
    }

    private void handle(LockedExternalTask task) {
        if (task.getRetries() == null && task.getCreateTime() != null) {
            metrics.stepDispatched(
                    RunMetrics.EXTERNAL,
                    HostBound.LOCAL,
                    Duration.between(task.getCreateTime().toInstant(), Instant.now()));
        }
        long every = LOCK.toMillis() / 3;
        ScheduledFuture<?> extension =
                extender.scheduleAtFixedRate(() -> extend(task), every, every, TimeUnit.MILLISECONDS);
        Outcome outcome;
        try {
            outcome = steps.run(
                    task.getExtensionProperties().get(HostBound.STEP_PROPERTY), task.getVariables(), context(task));
        } finally {
            extension.cancel(false);
        }
        try {
            report(task, outcome);
        } catch (ProcessEngineException e) {
            // e.g. a listener after the step failed: the step is retried like a failed job, never lost
            log.warn(
                    "step {} of run {} could not be reported: {}",
                    task.getActivityId(),
                    task.getProcessInstanceId(),
                    e.getMessage());
            try {
                fail(task, new Broken(e.getMessage(), null));
            } catch (ProcessEngineException lost) {
                log.warn(
                        "step {} of run {} stays locked until its lock expires: {}",
                        task.getActivityId(),
                        task.getProcessInstanceId(),
                        lost.getMessage());
            }
        }
    }

    private void report(LockedExternalTask task, Outcome outcome) {
        if (outcome instanceof Completed completed) {
            externalTasks.complete(task.getId(), workerId(), completed.variables());
        } else if (outcome instanceof Failed failed) {
            externalTasks.handleBpmnError(
                    task.getId(), workerId(), failed.code(), failed.message(), failed.variables());
        } else {
            fail(task, (Broken) outcome);
        }
    }

    private void fail(LockedExternalTask task, Broken broken) {
        externalTasks.handleFailure(
                task.getId(),
                workerId(),
                broken.message(),
                broken.details(),
                retriesAfterFailure(task.getRetries()),
                retryWait.toMillis());
    }

    /**
     * The retries a step has left after this failure ({@code retries}: what the task had; null before its first
     * failure), for every worker of host-bound steps: {@link #RETRIES}, then one less per failure, 0 raises the
     * incident.
     */
    static int retriesAfterFailure(Integer retries) {
        return retries == null ? RETRIES : Math.max(retries - 1, 0);
    }

    private void unlock(LockedExternalTask task) {
        try {
            externalTasks.unlock(task.getId());
        } catch (RuntimeException e) {
            log.warn(
                    "step {} of run {} stays locked until its lock expires: {}",
                    task.getActivityId(),
                    task.getProcessInstanceId(),
                    e.getMessage());
        }
    }

    private void extend(LockedExternalTask task) {
        try {
            externalTasks.extendLock(task.getId(), workerId(), LOCK.toMillis());
        } catch (RuntimeException e) {
            log.warn(
                    "could not extend the lock of step {} of run {}: {}",
                    task.getActivityId(),
                    task.getProcessInstanceId(),
                    e.getMessage());
        }
    }

    private StepContext context(LockedExternalTask task) {
        return StepContext.of(
                task.getProcessInstanceId(),
                task.getProcessDefinitionKey(),
                task.getActivityId(),
                repository
                        .getBpmnModelInstance(task.getProcessDefinitionId())
                        .getModelElementById(task.getActivityId()));
    }

    private static ThreadFactory named(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}

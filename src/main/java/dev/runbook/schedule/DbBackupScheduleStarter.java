package dev.runbook.schedule;

import dev.runbook.database.DatabaseTargets;
import dev.runbook.process.ProcessVariables;
import dev.runbook.run.RunLauncher;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Keeps one running {@code db-backup-schedule} instance per target with a database, whose timers fire on the
 * target's configured crons. At start-up, an instance whose crons or model version differ from the configuration is
 * cancelled and replaced (so a changed schedule takes effect on restart); instances of targets that no longer have a
 * database are cancelled. It manages process instances through the engine's services, so it lives here rather than
 * in the {@code database} tool package.
 */
@Component
public class DbBackupScheduleStarter {

    static final String PROCESS_KEY = "db-backup-schedule";
    private static final Logger log = LoggerFactory.getLogger(DbBackupScheduleStarter.class);
    private static final Map<String, String> VARIABLES = Map.of(
            "daily",
            ProcessVariables.DAILY_CRON,
            "weekly",
            ProcessVariables.WEEKLY_CRON,
            "monthly",
            ProcessVariables.MONTHLY_CRON);

    private final DatabaseTargets databases;
    private final RuntimeService runtime;
    private final RepositoryService repository;
    private final RunLauncher launcher;

    public DbBackupScheduleStarter(
            DatabaseTargets databases, RuntimeService runtime, RepositoryService repository, RunLauncher launcher) {
        this.databases = databases;
        this.runtime = runtime;
        this.repository = repository;
        this.launcher = launcher;
    }

    @EventListener(ApplicationReadyEvent.class)
    void onStart() {
        Map<String, Map<String, String>> wanted = new HashMap<>();
        databases.names().forEach(target -> wanted.put(target, databases.schedule(target)));
        reconcile(wanted);
    }

    /**
     * Makes the running schedule instances match {@code wanted} (target to cron per schedule class).
     *
     * @return how many instances were started
     */
    public synchronized int reconcile(Map<String, Map<String, String>> wanted) {
        ProcessDefinition latest = repository
                .createProcessDefinitionQuery()
                .processDefinitionKey(PROCESS_KEY)
                .latestVersion()
                .singleResult();
        if (latest == null) {
            throw new IllegalStateException("process " + PROCESS_KEY + " is not deployed (bpmn/" + PROCESS_KEY
                    + ".bpmn missing from the classpath?)");
        }
        int started = 0;
        Map<String, Boolean> kept = new HashMap<>();
        for (ProcessInstance instance : runtime.createProcessInstanceQuery()
                .processDefinitionKey(PROCESS_KEY)
                .list()) {
            Map<String, Object> variables = runtime.getVariables(instance.getId());
            String target = (String) variables.get(ProcessVariables.TARGET);
            Map<String, String> crons = wanted.get(target);
            boolean current = crons != null
                    && !kept.containsKey(target)
                    && instance.getProcessDefinitionId().equals(latest.getId())
                    && VARIABLES.entrySet().stream()
                            .allMatch(e -> Objects.equals(crons.get(e.getKey()), variables.get(e.getValue())));
            if (current) {
                kept.put(target, true);
            } else {
                runtime.deleteProcessInstance(instance.getId(), "database backup schedule changed or removed");
                log.info("cancelled database backup schedule {} of target {}", instance.getId(), target);
            }
        }
        for (Map.Entry<String, Map<String, String>> entry : wanted.entrySet()) {
            if (kept.containsKey(entry.getKey())) {
                continue;
            }
            Map<String, Object> variables = new HashMap<>();
            VARIABLES.forEach((scheduleClass, name) ->
                    variables.put(name, entry.getValue().get(scheduleClass)));
            String runId = launcher.start(PROCESS_KEY, entry.getKey(), PROCESS_KEY, variables);
            log.info("started database backup schedule {} of target {}: {}", runId, entry.getKey(), entry.getValue());
            started++;
        }
        return started;
    }
}

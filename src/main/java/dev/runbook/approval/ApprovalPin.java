package dev.runbook.approval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.approval.FourEyesTaskListener.FourEyesViolationException;
import dev.runbook.exec.Redactor;
import dev.runbook.process.ProcessVariables;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.bpmn.behavior.UserTaskActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaFormData;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaFormField;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Engine plugin that makes an approval bind what runs: when a user task (an approval, or an operator's decision on a
 * failed host, which pins only the release: {@link #RELEASE}) is created, it pins a SHA-256 of each variable of the run in {@code approval_pin}, a
 * platform table no engine API writes; when the task completes, before the four-eyes listener, it refuses
 * ({@link FourEyesViolationException}: 403 on {@code /api} and {@code /engine-rest}) if any pinned variable changed
 * or a new non-null one appeared, other than the decision ({@code approved}, {@code approvalComment},
 * {@code decidedBy}, {@code approvedBy}). Without it, whoever may complete the task could send {@code targetCommit} or
 * {@code requestedBy} along with the decision (both are process variables) and deploy a commit nobody reviewed, or
 * approve their own run ({@link FourEyesTaskListener} compares the decider with {@code requestedBy}, which the pin
 * keeps as it was). The pin row goes with the completion, in the same transaction.
 */
@Component
class ApprovalPin extends AbstractProcessEnginePlugin {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ApprovalPin.class);

    /** What a decision may set. */
    static final Set<String> DECISION = Set.of(
            ProcessVariables.APPROVED,
            ProcessVariables.APPROVAL_COMMENT,
            ProcessVariables.APPROVED_BY,
            ProcessVariables.DECIDED_BY);

    /**
     * What an operator's decision on a failed host ({@link ProcessVariables#HOST_FAILURE_TASK}) may not change: what
     * the release is, and who asked for and approved it. Only these are pinned for that task: the other hosts' steps
     * go on while it waits and change the rest.
     */
    static final Set<String> RELEASE = Set.of(
            ProcessVariables.TARGET,
            ProcessVariables.TARGET_COMMIT,
            ProcessVariables.RELEASE_ID,
            ProcessVariables.GIT_REF,
            ProcessVariables.COMPONENTS,
            ProcessVariables.PREVIOUS_RELEASE_ID,
            ProcessVariables.PREVIOUS_COMMIT,
            ProcessVariables.REQUESTED_BY,
            ProcessVariables.APPROVED,
            ProcessVariables.DECIDED_BY);

    private static final TypeReference<Map<String, String>> PINNED = new TypeReference<>() {};

    private final JdbcTemplate jdbc;
    private final Redactor redactor;
    private final ObjectMapper json = new ObjectMapper();

    ApprovalPin(JdbcTemplate jdbc, Redactor redactor) {
        this.jdbc = jdbc;
        this.redactor = redactor;
    }

    @Override
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        TaskListener pin = this::pin;
        TaskListener verify = this::verify;
        if (configuration.getCustomPostBPMNParseListeners() == null) {
            configuration.setCustomPostBPMNParseListeners(new ArrayList<>());
        }
        configuration.getCustomPostBPMNParseListeners().add(new AbstractBpmnParseListener() {
            @Override
            public void parseUserTask(Element element, ScopeImpl scope, ActivityImpl activity) {
                var task = ((UserTaskActivityBehavior) activity.getActivityBehavior()).getTaskDefinition();
                task.addBuiltInTaskListener(TaskListener.EVENTNAME_CREATE, pin);
                task.addBuiltInTaskListener(TaskListener.EVENTNAME_COMPLETE, verify);
            }
        });
    }

    /** Writes the pin of the new task (in the engine's transaction). */
    void pin(DelegateTask task) {
        jdbc.update(
                "INSERT INTO approval_pin (task_id, run_id, pinned, created_at) VALUES (?, ?, ?, ?)",
                task.getId(),
                task.getProcessInstanceId(),
                write(pinnable(task)),
                Timestamp.from(Instant.now()));
    }

    /**
     * Compares the run's variables with the pin and removes it.
     *
     * Also requires {@code approved} to be a Boolean and {@code approvalComment} text, and redacts secrets in the
     * comment (the decision may come through {@code /engine-rest} or Tasklist, not only through {@code /api}).
     *
     * @throws FourEyesViolationException when a pinned variable changed or a new one appeared
     * @throws InvalidDecisionException   when {@code approved} is not a Boolean or the comment not text (400)
     */
    void verify(DelegateTask task) {
        if (hostFailure(task)) {
            verifyHostDecision(task);
            return;
        }
        if (!(task.getVariable(ProcessVariables.APPROVED) instanceof Boolean)) {
            throw new InvalidDecisionException("a decision sets '" + ProcessVariables.APPROVED + "' to true or false");
        }
        Object comment = task.getVariable(ProcessVariables.APPROVAL_COMMENT);
        if (comment != null && !(comment instanceof String)) {
            throw new InvalidDecisionException("'" + ProcessVariables.APPROVAL_COMMENT + "' is text");
        }
        if (comment != null) {
            task.setVariable(ProcessVariables.APPROVAL_COMMENT, redactor.redact((String) comment));
        }
        List<String> rows =
                jdbc.queryForList("SELECT pinned FROM approval_pin WHERE task_id = ?", String.class, task.getId());
        if (rows.isEmpty()) {
            return; // a task created before the pins existed
        }
        Map<String, String> pinned = read(rows.get(0));
        Map<String, String> now = hashes(task.getVariables());
        List<String> changed = new ArrayList<>();
        pinned.forEach((name, hash) -> {
            if (!hash.equals(now.get(name))) {
                changed.add(name);
            }
        });
        Set<String> formFields = formFields(task);
        now.keySet().stream()
                .filter(name -> !pinned.containsKey(name) && !formFields.contains(name))
                .forEach(changed::add);
        if (!changed.isEmpty()) {
            String why = "the release under approval was changed after it was requested (" + String.join(", ", changed)
                    + "); a decision may set only " + ProcessVariables.APPROVED + " and "
                    + ProcessVariables.APPROVAL_COMMENT;
            // one line: the engine's own ERROR log of a refusal is dropped (RefusalLogFilter)
            log.warn("refused a decision of approval {} in run {}: {}", task.getId(), task.getProcessInstanceId(), why);
            throw new FourEyesViolationException(why);
        }
        jdbc.update("DELETE FROM approval_pin WHERE task_id = ?", task.getId());
    }

    /** Whether the task is an operator's decision on a failed host rather than an approval. */
    private static boolean hostFailure(DelegateTask task) {
        return ProcessVariables.HOST_FAILURE_TASK.equals(task.getTaskDefinitionKey());
    }

    /**
     * The hashes a task pins: every variable of an approval (the decision left out), the release of a decision on a
     * failed host (with who approved it).
     */
    private static Map<String, String> pinnable(DelegateTask task) {
        if (!hostFailure(task)) {
            return hashes(task.getVariables());
        }
        Map<String, String> hashes = new TreeMap<>();
        for (String name : RELEASE) {
            Object value = task.getVariable(name);
            if (value != null) {
                hashes.put(name, sha256(String.valueOf(value)));
            }
        }
        return hashes;
    }

    /**
     * A decision on a failed host: {@code hostDecision} is {@code retry} or {@code rollback}, its comment text
     * (redacted), and the release it decides on is still the one pinned when the host failed.
     */
    private void verifyHostDecision(DelegateTask task) {
        // Tasklist and /engine-rest let any approver work on any task: only the task's group (operators) and
        // administrators decide what happens to a failed host
        Authentication caller =
                task.getProcessEngineServices().getIdentityService().getCurrentAuthentication();
        List<String> groups = caller == null || caller.getGroupIds() == null ? List.of() : caller.getGroupIds();
        Set<String> candidates = FourEyesTaskListener.candidateGroups(task);
        if (caller == null || !FourEyesTaskListener.mayDecide(groups, candidates)) {
            throw new FourEyesViolationException((caller == null ? "nobody signed in" : caller.getUserId())
                    + " may not decide on a failed host: that is for " + candidates + " and administrators");
        }
        Object decision = task.getVariable(ProcessVariables.HOST_DECISION);
        if (!"retry".equals(decision) && !"rollback".equals(decision)) {
            throw new InvalidDecisionException(
                    "a decision on a failed host sets '" + ProcessVariables.HOST_DECISION + "' to retry or rollback");
        }
        Object comment = task.getVariable(ProcessVariables.DECISION_COMMENT);
        if (comment != null && !(comment instanceof String)) {
            throw new InvalidDecisionException("'" + ProcessVariables.DECISION_COMMENT + "' is text");
        }
        if (comment != null) {
            task.setVariable(ProcessVariables.DECISION_COMMENT, redactor.redact((String) comment));
        }
        List<String> rows =
                jdbc.queryForList("SELECT pinned FROM approval_pin WHERE task_id = ?", String.class, task.getId());
        if (!rows.isEmpty() && !read(rows.get(0)).equals(pinnable(task))) {
            String why = "the release of this run was changed while its failed host waited for a decision; a decision"
                    + " may set only " + ProcessVariables.HOST_DECISION + " and " + ProcessVariables.DECISION_COMMENT;
            log.warn("refused a decision on task {} in run {}: {}", task.getId(), task.getProcessInstanceId(), why);
            throw new FourEyesViolationException(why);
        }
        jdbc.update("DELETE FROM approval_pin WHERE task_id = ?", task.getId());
    }

    /**
     * The ids of the task's generated form fields: Tasklist's submit sets the defaults of display fields that had no
     * variable yet (readonly fields themselves refuse a submitted value), so a new variable of such a name is no change.
     */
    private static Set<String> formFields(DelegateTask task) {
        UserTask userTask = task.getBpmnModelElementInstance();
        if (userTask == null || userTask.getExtensionElements() == null) {
            return Set.of();
        }
        return userTask.getExtensionElements().getElementsQuery().filterByType(CamundaFormData.class).list().stream()
                .flatMap(form -> form.getCamundaFormFields().stream())
                .map(CamundaFormField::getCamundaId)
                .collect(Collectors.toSet());
    }

    /** SHA-256 (hex) of each non-null variable's text, by name, the decision left out. */
    private static Map<String, String> hashes(Map<String, Object> variables) {
        Map<String, String> hashes = new TreeMap<>();
        variables.forEach((name, value) -> {
            if (value != null && !DECISION.contains(name)) {
                hashes.put(name, sha256(String.valueOf(value)));
            }
        });
        return hashes;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String write(Map<String, String> hashes) {
        try {
            return json.writeValueAsString(hashes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> read(String text) {
        try {
            return json.readValue(text, PINNED);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("damaged approval pin", e);
        }
    }

    /** A decision whose {@code approved} is not a Boolean or whose comment is not text (400 on /engine-rest). */
    public static class InvalidDecisionException extends BadUserRequestException {
        InvalidDecisionException(String message) {
            super(message);
        }
    }
}

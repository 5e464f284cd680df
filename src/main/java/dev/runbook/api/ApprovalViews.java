package dev.runbook.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.approval.ReleasePlanner.PlannedStep;
import dev.runbook.git.GitClient.CommitInfo;
import dev.runbook.notify.NotificationProperties;
import dev.runbook.process.ProcessVariables;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.task.Task;
import org.springframework.stereotype.Component;

/** Builds {@link ApprovalView}s from an approval task and its run's variables (JSON variables parsed). */
@Component
class ApprovalViews {

    private final ObjectMapper json;
    private final NotificationProperties links;

    ApprovalViews(ObjectMapper json, NotificationProperties links) {
        this.json = json;
        this.links = links;
    }

    ApprovalView view(Task task, Map<String, Object> vars) {
        Boolean migration = (Boolean) vars.get(ProcessVariables.DATABASE_MIGRATION);
        return new ApprovalView(
                task.getId(),
                task.getProcessInstanceId(),
                processKey(task),
                task.getName(),
                str(vars.get(ProcessVariables.TARGET)),
                str(vars.get(ProcessVariables.GIT_REF)),
                str(vars.get(ProcessVariables.COMPONENTS)),
                noneIfBlank(str(vars.get(ProcessVariables.PREVIOUS_COMMIT))),
                str(vars.get(ProcessVariables.FROM_SUBJECT)),
                str(vars.get(ProcessVariables.TARGET_COMMIT)),
                str(vars.get(ProcessVariables.TO_SUBJECT)),
                parse(vars.get(ProcessVariables.COMMITS), new TypeReference<List<CommitInfo>>() {}),
                vars.get(ProcessVariables.COMMIT_COUNT) instanceof Number n ? n.longValue() : null,
                str(vars.get(ProcessVariables.COMMIT_DIRECTION)),
                parse(vars.get(ProcessVariables.CHANGED_FILES), new TypeReference<Map<String, Integer>>() {}),
                migration,
                migration,
                ApprovalView.RELEASE_BACKUP_AFTER_APPROVAL,
                "rollback".equals(processKey(task)) ? str(vars.get(ProcessVariables.RELEASE_ID)) : null,
                parse(vars.get(ProcessVariables.PLAN), new TypeReference<List<PlannedStep>>() {}),
                str(vars.get(ProcessVariables.REQUESTED_BY)),
                task.getAssignee(),
                instant(task.getCreateTime()),
                instant(task.getDueDate()),
                links.link("/camunda/app/tasklist/default/#/?task=" + task.getId()),
                links.link("/runs/" + task.getProcessInstanceId()),
                str(vars.get(ProcessVariables.DB_BACKUP_SUMMARY)),
                noneIfBlank(str(vars.get(ProcessVariables.PROMOTION))));
    }

    private <T> T parse(Object value, TypeReference<T> type) {
        if (value == null) {
            return null;
        }
        try {
            return json.readValue(value.toString(), type);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String processKey(Task task) {
        return task.getProcessDefinitionId() == null
                ? null
                : task.getProcessDefinitionId().split(":")[0];
    }

    private static String str(Object value) {
        return value == null ? null : value.toString();
    }

    /** {@code previousCommit} is "" (for Tasklist's form) when nothing served before: null in the API. */
    private static String noneIfBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}

package dev.runbook.security;

import dev.runbook.process.ProcessVariables;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.FilterService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.HistoricTaskPermissions;
import org.camunda.bpm.engine.authorization.Permission;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.ProcessDefinitionPermissions;
import org.camunda.bpm.engine.authorization.ProcessInstancePermissions;
import org.camunda.bpm.engine.authorization.Resource;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.authorization.TaskPermissions;
import org.camunda.bpm.engine.filter.Filter;
import org.camunda.bpm.engine.impl.TaskQueryImpl;
import org.camunda.bpm.engine.task.TaskQuery;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The engine grants of the platform's groups, created (or completed) at start-up, and the Tasklist filter
 * "Approvals": {@code operators} use Cockpit, start runbooks, read process definitions and runs (history, incidents,
 * waiting tasks) and retry a run's failed job (Cockpit's incident retry, {@code PUT /engine-rest/job/{id}/retries};
 * no other change to a running instance); {@code approvers} use Tasklist, read and work on tasks and the history of
 * tasks, read process definitions, and see no run's history beyond that; {@code agents} have none (their external task
 * calls run as the platform after {@link AgentScope}'s check); {@code camunda-admin} has every permission
 * on every resource. {@link AccessRules} applies the same split to {@code /api}.
 */
@Component
class GroupAuthorizations {

    static final String APPROVALS_FILTER = "Approvals";

    private final AuthorizationService authorizations;
    private final FilterService filters;
    private final TaskService tasks;

    GroupAuthorizations(AuthorizationService authorizations, FilterService filters, TaskService tasks) {
        this.authorizations = authorizations;
        this.filters = filters;
        this.tasks = tasks;
    }

    @EventListener(ApplicationReadyEvent.class)
    void grant() {
        for (Resources resource : Resources.values()) {
            grant(AccessRules.ADMIN, resource, Authorization.ANY, Permissions.ALL);
        }
        grant(AccessRules.OPERATORS, Resources.APPLICATION, "cockpit", Permissions.ACCESS);
        grant(
                AccessRules.OPERATORS,
                Resources.PROCESS_DEFINITION,
                Authorization.ANY,
                ProcessDefinitionPermissions.READ,
                ProcessDefinitionPermissions.CREATE_INSTANCE,
                ProcessDefinitionPermissions.READ_HISTORY,
                ProcessDefinitionPermissions.READ_INSTANCE,
                ProcessDefinitionPermissions.READ_TASK,
                ProcessDefinitionPermissions.RETRY_JOB);
        grant(
                AccessRules.OPERATORS,
                Resources.PROCESS_INSTANCE,
                Authorization.ANY,
                ProcessInstancePermissions.CREATE,
                ProcessInstancePermissions.READ);
        grant(AccessRules.OPERATORS, Resources.DEPLOYMENT, Authorization.ANY, Permissions.READ);

        grant(AccessRules.APPROVERS, Resources.APPLICATION, "tasklist", Permissions.ACCESS);
        grant(
                AccessRules.APPROVERS,
                Resources.TASK,
                Authorization.ANY,
                TaskPermissions.READ,
                TaskPermissions.TASK_WORK);
        grant(AccessRules.APPROVERS, Resources.HISTORIC_TASK, Authorization.ANY, HistoricTaskPermissions.READ);
        grant(
                AccessRules.APPROVERS,
                Resources.PROCESS_DEFINITION,
                Authorization.ANY,
                ProcessDefinitionPermissions.READ);
        grant(AccessRules.APPROVERS, Resources.FILTER, approvalsFilter(), Permissions.READ);

        // agents hold no engine grant: their few calls run as the platform once AgentScope has checked them, so the
        // webapps, where any user may sign in, show an agent nothing and let it change nothing
        authorizations.createAuthorizationQuery().groupIdIn(AccessRules.AGENTS).list().stream()
                .map(Authorization::getId)
                .forEach(authorizations::deleteAuthorization);
    }

    /** Adds the missing permissions to the group's grant on the resource, creating the grant if needed. */
    private void grant(String groupId, Resource resource, String resourceId, Permission... permissions) {
        Authorization authorization = authorizations
                .createAuthorizationQuery()
                .groupIdIn(groupId)
                .resourceType(resource)
                .resourceId(resourceId)
                .authorizationType(Authorization.AUTH_TYPE_GRANT)
                .singleResult();
        if (authorization == null) {
            authorization = authorizations.createNewAuthorization(Authorization.AUTH_TYPE_GRANT);
            authorization.setGroupId(groupId);
            authorization.setResource(resource);
            authorization.setResourceId(resourceId);
        }
        boolean changed = authorization.getId() == null;
        for (Permission permission : permissions) {
            if (!authorization.isPermissionGranted(permission)) {
                authorization.addPermission(permission);
                changed = true;
            }
        }
        if (changed) {
            authorizations.saveAuthorization(authorization);
        }
    }

    /** The Tasklist filter of tasks for the signed-in user's groups, with the run's context as columns. */
    private String approvalsFilter() {
        Filter existing =
                filters.createTaskFilterQuery().filterName(APPROVALS_FILTER).singleResult();
        // claimed approvals stay listed (Camunda's candidate queries leave assigned tasks out unless told)
        TaskQuery query = tasks.createTaskQuery()
                .taskCandidateGroupInExpression("${currentUserGroups()}")
                .includeAssignedTasks();
        if (existing != null) {
            if (!((TaskQueryImpl) existing.getQuery()).isIncludeAssignedTasks()) {
                // a filter saved by an earlier version hid claimed approvals
                existing.setQuery(query);
                filters.saveFilter(existing);
            }
            return existing.getId();
        }
        Filter filter = filters.newTaskFilter(APPROVALS_FILTER)
                .setQuery(query)
                .setProperties(Map.of(
                        "description",
                        "Approvals waiting for one of your groups",
                        "priority",
                        -10,
                        "refresh",
                        true,
                        "variables",
                        List.of(
                                Map.of("name", ProcessVariables.TARGET, "label", "Target"),
                                Map.of("name", ProcessVariables.GIT_REF, "label", "Ref"),
                                Map.of("name", ProcessVariables.REQUESTED_BY, "label", "Requested by"))));
        return filters.saveFilter(filter).getId();
    }
}

package dev.runbook.security;

import dev.runbook.config.RunbookProperties;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Creates the platform's groups ({@code operators}, {@code approvers}, {@code camunda-admin}, {@code agents}) and the users of
 * {@code runbook.identity.users} in Camunda's identity service at start-up (and the groups targets name in
 * {@code approval.group}), when they are missing. Existing users
 * are left as they are (their password is not reset).
 */
@Component
class IdentityBootstrap {

    static final List<String> GROUPS = List.of("operators", "approvers", "camunda-admin", "agents");
    private static final Logger log = LoggerFactory.getLogger(IdentityBootstrap.class);

    private final IdentityService identity;
    private final RunbookProperties properties;

    IdentityBootstrap(IdentityService identity, RunbookProperties properties) {
        this.identity = identity;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void createMissing() {
        // the platform's groups, and the groups targets name to decide their approvals (approval.group)
        Set<String> groupIds = new LinkedHashSet<>(GROUPS);
        properties
                .targets()
                .values()
                .forEach(target -> groupIds.add(target.approval().group()));
        for (String groupId : groupIds) {
            if (identity.createGroupQuery().groupId(groupId).count() == 0) {
                Group group = identity.newGroup(groupId);
                group.setName(groupId);
                group.setType("camunda-admin".equals(groupId) ? "SYSTEM" : "WORKFLOW");
                identity.saveGroup(group);
            }
        }
        for (RunbookProperties.User configured : properties.identity().users()) {
            if (identity.createUserQuery().userId(configured.id()).count() > 0) {
                continue;
            }
            User user = identity.newUser(configured.id());
            user.setFirstName(configured.id());
            user.setLastName("");
            user.setPassword(configured.password());
            identity.saveUser(user);
            for (String groupId : configured.groups()) {
                if (identity.createGroupQuery().groupId(groupId).count() == 0) {
                    throw new IllegalStateException("runbook.identity.users: user " + configured.id()
                            + " names unknown group '" + groupId + "'; known: " + groupIds);
                }
                identity.createMembership(configured.id(), groupId);
            }
            log.info("created user {} in groups {}", configured.id(), configured.groups());
        }
    }
}

package dev.runbook.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The access rules as a table: which calls are open, for any signed-in user, or for which groups. */
class AccessRulesTest {

    @Test
    void shouldDecideEachCallByTheFirstMatchingRule() {
        Object[][] table = {
            {"GET", "/actuator/health", "open"},
            {"GET", "/actuator/health/liveness", "camunda-admin"},
            {"GET", "/actuator/info", "camunda-admin"},
            {"GET", "/", "open"},
            {"POST", "/", "camunda-admin"},
            {"GET", "/camunda/app/cockpit/default/", "open"},
            {"POST", "/camunda/api/engine/engine/default/task/1/submit-form", "open"},
            {"POST", "/camunda/api/admin/setup/default/user/create", "camunda-admin"},
            {"GET", "/camunda-welcome", "open"},
            {"POST", "/camunda-welcome", "camunda-admin"},
            {"GET", "/api/audit/events", "camunda-admin"},
            {"GET", "/api/audit", "camunda-admin"},
            {"GET", "/api/approvals", "approvers,camunda-admin"},
            {"POST", "/api/approvals/42", "approvers,camunda-admin"},
            {"GET", "/api/runs/1", "camunda-admin,operators"},
            {"POST", "/api/targets/shop/deployments", "camunda-admin,operators"},
            {"POST", "/api/targets/shop/db-restores", "camunda-admin,operators"},
            {"DELETE", "/api/anything/new", "camunda-admin,operators"},
            {"POST", "/engine-rest/process-definition/key/deploy/start", "camunda-admin"},
            {"POST", "/engine-rest/process-definition/abc:1:2/submit-form", "camunda-admin"},
            {"POST", "/engine-rest/process-definition/key/deploy/tenant-id/t1/start", "camunda-admin"},
            {"POST", "/engine-rest/task/1/complete", "signed-in"},
            {"GET", "/engine-rest/history/process-instance", "signed-in"},
            {"GET", "/v3/api-docs", "signed-in"},
            {"GET", "/swagger-ui/index.html", "signed-in"},
            {"GET", "/h2-console", "camunda-admin"},
            {"POST", "/engine-rest/external-task/fetchAndLock", "agents,camunda-admin"},
            {"POST", "/engine-rest/external-task/abc/complete", "agents,camunda-admin"},
            {"GET", "/engine-rest/external-task", "signed-in"},
        };
        for (Object[] row : table) {
            AccessRules.Rule rule = AccessRules.rule((String) row[0], (String) row[1]);
            String decided = rule.open()
                    ? "open"
                    : rule.groups().isEmpty() ? "signed-in" : String.join(",", new java.util.TreeSet<>(rule.groups()));
            assertThat(decided).as("%s %s", row[0], row[1]).isEqualTo(row[2]);
        }
    }

    @Test
    void shouldAllowAGroupMemberAndRefuseOthers() {
        AccessRules.Rule approvals = AccessRules.rule("POST", "/api/approvals/42");
        assertThat(approvals.allows(List.of("approvers"))).isTrue();
        assertThat(approvals.allows(List.of("operators", "camunda-admin"))).isTrue();
        assertThat(approvals.allows(List.of("operators"))).isFalse();
        assertThat(approvals.allows(List.of())).isFalse();
        assertThat(AccessRules.rule("GET", "/engine-rest/task").allows(List.of()))
                .isTrue();
    }

    @Test
    void shouldJudgeThePathTheContainerResolvedNotTheRawUri() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/%61udit/events");
        request.setServletPath("/api/audit/events");
        assertThat(AccessRules.path(request)).isEqualTo("/api/audit/events");
        MockHttpServletRequest jersey = new MockHttpServletRequest("GET", "/engine-rest/task");
        jersey.setServletPath("/engine-rest");
        jersey.setPathInfo("/task");
        assertThat(AccessRules.path(jersey)).isEqualTo("/engine-rest/task");
    }

    /** Found by a break-it session: these forms of a call reached the REST API under the rule for any user. */
    @Test
    void shouldJudgeANamedEngineCallOrATrailingSlashAsTheCallItIs() {
        assertThat(AccessRules.canonical("/engine-rest/engine/default/process-definition/key/restart/start"))
                .isEqualTo("/engine-rest/process-definition/key/restart/start");
        assertThat(AccessRules.canonical("/engine-rest/engine/other/external-task/fetchAndLock/"))
                .isEqualTo("/engine-rest/external-task/fetchAndLock");
        assertThat(AccessRules.canonical("/engine-rest/external-task/fetchAndLock//"))
                .isEqualTo("/engine-rest/external-task/fetchAndLock");
        assertThat(AccessRules.canonical("/engine-rest/engine/")).isEqualTo("/engine-rest/engine");
        assertThat(AccessRules.canonical("/engine-rest/engine")).isEqualTo("/engine-rest/engine");
        assertThat(AccessRules.canonical("/")).isEqualTo("/");
        MockHttpServletRequest named =
                new MockHttpServletRequest("POST", "/engine-rest/engine/default/task/1/complete/");
        named.setServletPath("/engine-rest");
        named.setPathInfo("/engine/default/process-definition/key/deploy/start/");
        assertThat(AccessRules.rule("POST", AccessRules.path(named)).groups()).containsExactly("camunda-admin");
        // an agent may call only what names agents, whatever else it is a member of
        assertThat(AccessRules.rule("GET", "/engine-rest/task").allows(List.of("agents", "operators")))
                .isFalse();
        assertThat(AccessRules.rule("GET", "/api/runs").allows(List.of("agents", "camunda-admin")))
                .isFalse();
        assertThat(AccessRules.rule("POST", "/engine-rest/external-task/fetchAndLock")
                        .allows(List.of("agents")))
                .isTrue();
        assertThat(AccessRules.rule("POST", "/engine-rest/external-task/fetchAndLock")
                        .allows(List.of("operators")))
                .isFalse();
    }

    @Test
    void shouldReadBasicCredentialsOrNothing() {
        assertThat(ApiAuthenticationFilter.credentials("Basic " + base64("alice:pw:with:colons")))
                .containsExactly("alice", "pw:with:colons");
        assertThat(ApiAuthenticationFilter.credentials("basic " + base64("bob:x")))
                .containsExactly("bob", "x");
        assertThat(ApiAuthenticationFilter.credentials(null)).isNull();
        assertThat(ApiAuthenticationFilter.credentials("Bearer abc")).isNull();
        assertThat(ApiAuthenticationFilter.credentials("Basic !!!")).isNull();
        assertThat(ApiAuthenticationFilter.credentials("Basic " + base64("no-colon")))
                .isNull();
        assertThat(ApiAuthenticationFilter.credentials("Basic " + base64(":nouser")))
                .isNull();
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}

package dev.runbook.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Set;
import org.springframework.util.AntPathMatcher;

/**
 * Who may call what over HTTP, in one place: the first rule whose method and path pattern match decides. A rule is
 * open (no sign-in), for any signed-in user, or for members of the listed groups. The groups mirror the engine
 * grants of {@link GroupAuthorizations}: {@code operators} start runbooks and read runs, {@code approvers} read and
 * decide approvals, {@code camunda-admin} may do everything. New {@code /api} endpoints fall under these rules
 * without being listed; anything unlisted is for administrators only. A member of {@code agents} (a host's agent) may
 * call only what a rule names {@code agents} for: fetch, lock and report the external tasks of host-bound steps
 * ({@link AgentScope} narrows that to its own host's).
 */
public final class AccessRules {

    static final String OPERATORS = "operators";
    static final String APPROVERS = "approvers";
    static final String ADMIN = "camunda-admin";
    static final String AGENTS = "agents";
    private static final AntPathMatcher MATCHER = new AntPathMatcher();
    private static final String NAMED_ENGINE = "/engine-rest/engine/";

    /**
     * One rule.
     *
     * @param method  HTTP method, or {@code *} for any
     * @param pattern Ant-style path pattern within the application
     * @param open    true: no sign-in needed
     * @param groups  groups that may call it (any one suffices); empty with {@code open} false: any signed-in user
     */
    record Rule(String method, String pattern, boolean open, Set<String> groups) {

        boolean matches(String requestMethod, String path) {
            return ("*".equals(method) || method.equalsIgnoreCase(requestMethod)) && MATCHER.match(pattern, path);
        }

        boolean allows(List<String> memberOf) {
            if (open) {
                return true;
            }
            if (memberOf.contains(AGENTS) && !groups.contains(AGENTS)) {
                return false;
            }
            return groups.isEmpty() || memberOf.stream().anyMatch(groups::contains);
        }
    }

    static final List<Rule> RULES = List.of(
            open("GET", "/actuator/health"),
            open("GET", "/"),
            // the console's sign-in page and what it needs to render before anyone is signed in; a Basic challenge on
            // its stylesheet or script would open the browser's own sign-in dialog over the form
            open("GET", "/login"),
            open("POST", "/login"),
            open("POST", "/logout"),
            open("GET", "/web/login.js"),
            open("GET", "/web/runbook.css"),
            open("GET", "/favicon.ico"),
            // Admin's "create the first administrator" page would let anyone in while no administrator exists
            groups("*", "/camunda/api/admin/setup/**", ADMIN),
            // Cockpit, Tasklist and Admin: Camunda's own login form, session and authorizations
            open("*", "/camunda/**"),
            // The webapps' login pages ask for Camunda Run's welcome page to decide on a first-visit hint; a 401
            // with a Basic challenge there would open the browser's own sign-in dialog over their login form
            open("GET", "/camunda-welcome"),
            signedIn("GET", "/api/me"),
            groups("*", "/api/audit/**", ADMIN),
            groups("*", "/api/approvals/**", APPROVERS, ADMIN),
            groups("*", "/api/**", OPERATORS, ADMIN),
            // runs start through /api, which validates the input and lets one changing run at a time touch a target
            groups("POST", "/engine-rest/process-definition/**/start", ADMIN),
            groups("POST", "/engine-rest/process-definition/**/submit-form", ADMIN),
            // host-bound steps are fetched and reported by their host's worker only: an agent (AgentScope: its own
            // host's), or an administrator by hand; an operator completing one would skip its work
            groups("POST", "/engine-rest/external-task/fetchAndLock", AGENTS, ADMIN),
            groups("POST", "/engine-rest/external-task/*/complete", AGENTS, ADMIN),
            groups("POST", "/engine-rest/external-task/*/failure", AGENTS, ADMIN),
            groups("POST", "/engine-rest/external-task/*/bpmnError", AGENTS, ADMIN),
            groups("POST", "/engine-rest/external-task/*/extendLock", AGENTS, ADMIN),
            groups("POST", "/engine-rest/external-task/*/unlock", AGENTS, ADMIN),
            signedIn("*", "/engine-rest/**"),
            signedIn("GET", "/v3/api-docs/**"),
            signedIn("GET", "/swagger-ui/**"),
            signedIn("GET", "/swagger-ui.html"),
            signedIn("GET", "/approvals"),
            signedIn("GET", "/targets"),
            signedIn("GET", "/runs"),
            signedIn("GET", "/runs/**"),
            signedIn("GET", "/web/**"),
            groups("*", "/**", ADMIN));

    private AccessRules() {}

    /** Whether members of these groups may call this method on this path (the console shows only what they may). */
    public static boolean allows(String method, String path, List<String> groups) {
        Rule rule = rule(method, path);
        return rule.open() || rule.allows(groups);
    }

    /** The rule that decides a request. */
    static Rule rule(String method, String path) {
        return RULES.stream()
                .filter(rule -> rule.matches(method, path))
                .findFirst()
                .orElseThrow();
    }

    /**
     * The request's path within the application as the servlet container resolved it (decoded, dot segments and
     * path parameters removed), so {@code /api/%61udit} or {@code /api/x/../audit} cannot slip past a rule.
     */
    static String path(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        return canonical((servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo));
    }

    /**
     * The path a rule is matched against: without trailing slashes (the REST API answers {@code .../fetchAndLock/}
     * as {@code .../fetchAndLock}), and a named-engine call of the engine REST API
     * ({@code /engine-rest/engine/default/process-definition/...}, which always reaches the application's engine)
     * as its default-engine path.
     */
    static String canonical(String path) {
        String canonical = path;
        while (canonical.length() > 1 && canonical.endsWith("/")) {
            canonical = canonical.substring(0, canonical.length() - 1);
        }
        if (canonical.startsWith(NAMED_ENGINE)) {
            int slash = canonical.indexOf('/', NAMED_ENGINE.length());
            canonical = slash < 0 ? "/engine-rest/engine" : "/engine-rest" + canonical.substring(slash);
        }
        return canonical.isEmpty() ? "/" : canonical;
    }

    private static Rule open(String method, String pattern) {
        return new Rule(method, pattern, true, Set.of());
    }

    private static Rule signedIn(String method, String pattern) {
        return new Rule(method, pattern, false, Set.of());
    }

    private static Rule groups(String method, String pattern, String... groups) {
        return new Rule(method, pattern, false, Set.of(groups));
    }
}

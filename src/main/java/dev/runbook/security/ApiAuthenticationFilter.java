package dev.runbook.security;

import dev.runbook.audit.Refusals;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.Tenant;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * HTTP Basic sign-in against Camunda's identity service (or the console's session, see
 * {@link ConsoleSecurityConfiguration}) for everything but the open paths of {@link AccessRules}, then the access rule
 * check. A missing, malformed, wrong or unknown credential gets the same 401 (which part was
 * wrong is only in the login log); a signed-in user outside the rule's groups gets 403. During the call the user,
 * their groups and tenants are the engine's current authentication, so engine authorizations,
 * {@code camunda:initiator} and the four-eyes listener see who it is; it is cleared afterwards.
 */
class ApiAuthenticationFilter extends OncePerRequestFilter {

    static final String REALM = "Basic realm=\"Runbook Platform\", charset=\"UTF-8\"";
    private static final String HEALTH = "/actuator/health";

    private final IdentityService identity;
    private final Refusals refusals;
    private final AgentScope agents;

    ApiAuthenticationFilter(IdentityService identity, Refusals refusals, AgentScope agents) {
        this.identity = identity;
        this.refusals = refusals;
        this.agents = agents;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = AccessRules.path(request);
        AccessRules.Rule rule = AccessRules.rule(request.getMethod(), path);
        if (rule.open()) {
            chain.doFilter(path.startsWith(HEALTH) ? healthCaller(request) : request, response);
            return;
        }
        String crossSite = crossSite(request);
        if (crossSite != null) {
            refusals.record(
                    Refusals.Reason.CROSS_SITE,
                    null,
                    null,
                    null,
                    null,
                    request.getMethod() + " " + path,
                    "a request from another site (" + crossSite + ") may not change anything");
            problem(
                    response,
                    HttpServletResponse.SC_FORBIDDEN,
                    "Not allowed",
                    "a request from another site may not change anything here (Origin " + crossSite + ")");
            return;
        }
        identity.clearAuthentication();
        String userId = signedInUser(request);
        if (userId == null) {
            if (isPage(request, path)) {
                response.sendRedirect(ConsoleSecurityConfiguration.signInRedirect(request));
                return;
            }
            problem(
                    response,
                    HttpServletResponse.SC_UNAUTHORIZED,
                    "Unauthorized",
                    "sign in with HTTP Basic credentials");
            return;
        }
        List<String> groups = groupsOf(userId);
        if (!rule.allows(groups)) {
            String why = userId + " is not in a group that may call " + request.getMethod() + " " + rule.pattern()
                    + "; it needs " + String.join(" or ", new TreeSet<>(rule.groups()));
            refusals.record(
                    Refusals.Reason.NOT_ALLOWED, userId, null, null, null, request.getMethod() + " " + path, why);
            problem(response, HttpServletResponse.SC_FORBIDDEN, "Not allowed", why);
            return;
        }
        if (groups.contains(AccessRules.AGENTS)) {
            AgentScope.Decision decision = agents.check(request, userId, path);
            if (decision.refusal() != null) {
                refusals.record(
                        Refusals.Reason.NOT_ALLOWED,
                        userId,
                        null,
                        null,
                        null,
                        request.getMethod() + " " + path,
                        decision.refusal());
                problem(response, HttpServletResponse.SC_FORBIDDEN, "Not allowed", decision.refusal());
                return;
            }
            // the call runs as the platform: agents hold no engine grant (see GroupAuthorizations), AgentScope has
            // checked that it is one of the host's own external task calls
            chain.doFilter(decision.request(), response);
            return;
        }
        List<String> tenants =
                identity.createTenantQuery().userMember(userId).includingGroupsOfUser(true).list().stream()
                        .map(Tenant::getId)
                        .toList();
        identity.setAuthentication(userId, groups, tenants);
        try {
            chain.doFilter(request, response);
        } finally {
            identity.clearAuthentication();
        }
    }

    /**
     * {@code /actuator/health} is open (status only) and shows its details to callers in
     * {@code management.endpoint.health.roles}: Spring Boot asks the request for its principal and roles. A caller
     * who sends valid HTTP Basic credentials is signed in for that call, with their groups as roles; without
     * credentials, or with wrong ones, the call stays anonymous (status only, never 401: a load balancer's probe must
     * not fail on credentials).
     */
    private HttpServletRequest healthCaller(HttpServletRequest request) {
        String userId = signedInUser(request);
        if (userId == null) {
            return request;
        }
        Set<String> groups = Set.copyOf(groupsOf(userId));
        Principal principal = () -> userId;
        return new HttpServletRequestWrapper(request) {
            @Override
            public Principal getUserPrincipal() {
                return principal;
            }

            @Override
            public String getRemoteUser() {
                return userId;
            }

            @Override
            public boolean isUserInRole(String role) {
                return groups.contains(role);
            }
        };
    }

    /**
     * The user whose HTTP Basic credentials the request carries and the identity service accepts; without an
     * {@code Authorization} header, the user signed in to the console's session; else null.
     */
    private String signedInUser(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            Authentication session = SecurityContextHolder.getContext().getAuthentication();
            return session instanceof UsernamePasswordAuthenticationToken && session.isAuthenticated()
                    ? session.getName()
                    : null;
        }
        String[] credentials = credentials(header);
        return credentials != null && identity.checkPassword(credentials[0], credentials[1]) ? credentials[0] : null;
    }

    /**
     * A person's browser opening a page (a GET that accepts HTML, without credentials): sent to the sign-in page
     * rather than answered with a Basic challenge. Scripts, the API and Camunda's REST API keep their 401.
     */
    private static boolean isPage(HttpServletRequest request, String path) {
        String accept = request.getHeader(HttpHeaders.ACCEPT);
        return "GET".equals(request.getMethod())
                && accept != null
                && accept.contains(MediaType.TEXT_HTML_VALUE)
                && request.getHeader(HttpHeaders.AUTHORIZATION) == null
                && !path.startsWith("/api/")
                && !path.startsWith("/engine-rest/")
                && !path.startsWith("/actuator/")
                && !path.startsWith("/v3/api-docs");
    }

    /** The ids of the user's groups. */
    private List<String> groupsOf(String userId) {
        return identity.createGroupQuery().groupMember(userId).list().stream()
                .map(Group::getId)
                .toList();
    }

    /** {user, password} from an {@code Authorization: Basic ...} header, or null when there is none or it is bad. */
    static String[] credentials(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    /**
     * A browser sends credentials it has cached for this site (HTTP Basic, a session cookie) with any request a page of
     * another site makes it send: a state-changing request whose {@code Origin} (or, without one,
     * {@code Sec-Fetch-Site}) says it comes from another site is refused (OWASP's "verify origin"). Scripts and the CLI
     * send neither header; the platform's own pages and Camunda's webapps send their own origin.
     *
     * @return the foreign origin, or null when the request may go on
     */
    static String crossSite(HttpServletRequest request) {
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method)) {
            return null;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null) {
            String host = request.getHeader(HttpHeaders.HOST);
            try {
                java.net.URI uri = java.net.URI.create(origin);
                String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
                return host != null && uri.getHost() != null && authority.equalsIgnoreCase(host) ? null : origin;
            } catch (IllegalArgumentException malformed) {
                return origin;
            }
        }
        String site = request.getHeader("Sec-Fetch-Site");
        return "cross-site".equals(site) ? "Sec-Fetch-Site: cross-site" : null;
    }

    private static void problem(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        if (status == HttpServletResponse.SC_UNAUTHORIZED) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, REALM);
        }
        ConsoleSecurityConfiguration.problem(response, status, title, detail);
    }
}

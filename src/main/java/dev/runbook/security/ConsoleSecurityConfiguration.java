package dev.runbook.security;

import dev.runbook.audit.Refusals;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.IdentityService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The console's sign-in for people, with Spring Security: a form on {@code /login} that checks the password against
 * Camunda's identity service (through {@link LoginGuard}: lockout and the login log, way in {@code console}), a
 * session, {@code POST /logout}, and CSRF protection (a double-submit cookie {@code RUNBOOK-XSRF-TOKEN}, sent back as
 * the header {@code X-RUNBOOK-XSRF-TOKEN} or the form field {@code _csrf}) on the sign-in and sign-out forms and on every
 * state-changing request that rides on a session cookie. Scripts and the CLI keep HTTP Basic and need no token.
 * Who may call what stays with {@link AccessRules}, checked by {@link ApiAuthenticationFilter} after this chain, for
 * the session's user as for a Basic caller. Camunda's webapps ({@code /camunda/**}) keep their own login and session.
 */
@Configuration
class ConsoleSecurityConfiguration {

    static final String LOGIN = "/login";
    static final String AFTER_LOGIN = "/targets";
    static final String CSRF_COOKIE = "RUNBOOK-XSRF-TOKEN";
    static final String CSRF_HEADER = "X-RUNBOOK-XSRF-TOKEN";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
    /** A local path to return to after signing in: one leading slash, no scheme, no backslash, no control codes. */
    private static final Pattern LOCAL_PATH = Pattern.compile("/(?![/\\\\])[^\\\\\\p{Cntrl}]*");

    @Bean
    SecurityFilterChain consoleSecurity(HttpSecurity http, Refusals refusals) throws Exception {
        RequestMatcher notCamunda = request -> !AccessRules.path(request).startsWith("/camunda/");
        CsrfTokenRequestAttributeHandler tokenHandler = new CsrfTokenRequestAttributeHandler();
        // not Camunda's XSRF-TOKEN: Tasklist's pages read theirs from the same cookie jar
        CookieCsrfTokenRepository tokens = CookieCsrfTokenRepository.withHttpOnlyFalse();
        tokens.setCookieName(CSRF_COOKIE);
        tokens.setHeaderName(CSRF_HEADER);
        tokens.setCookiePath("/");
        tokenHandler.setCsrfRequestAttributeName(null);
        http.securityMatcher(notCamunda)
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                .httpBasic(basic -> basic.disable())
                .anonymous(anonymous -> anonymous.disable())
                .requestCache(cache -> cache.disable())
                .headers(headers -> headers.frameOptions(frame -> frame.sameOrigin()))
                .formLogin(form -> form.loginPage(LOGIN)
                        .successHandler((request, response, authentication) ->
                                response.sendRedirect(request.getContextPath() + next(request.getParameter("next"))))
                        .failureHandler((request, response, failure) -> response.sendRedirect(
                                request.getContextPath() + LOGIN + "?error" + nextParameter(request))))
                .logout(logout -> logout.logoutUrl("/logout").logoutSuccessUrl(LOGIN + "?signed-out"))
                .csrf(csrf -> csrf.csrfTokenRepository(tokens)
                        .csrfTokenRequestHandler(tokenHandler)
                        .requireCsrfProtectionMatcher(ConsoleSecurityConfiguration::needsCsrfToken))
                .exceptionHandling(exceptions -> exceptions.accessDeniedHandler(csrfRefused(refusals)))
                .addFilterAfter(new CsrfCookieFilter(), org.springframework.security.web.csrf.CsrfFilter.class);
        return http.build();
    }

    /** The password check of the sign-in form: Camunda's identity service, through {@link LoginGuard}. */
    @Bean
    AuthenticationProvider identityAuthenticationProvider(IdentityService identity) {
        return new AuthenticationProvider() {
            @Override
            public Authentication authenticate(Authentication authentication) {
                String user = authentication.getName();
                Object password = authentication.getCredentials();
                if (user == null
                        || user.isBlank()
                        || password == null
                        || !identity.checkPassword(user, password.toString())) {
                    throw new BadCredentialsException("wrong user or password");
                }
                return UsernamePasswordAuthenticationToken.authenticated(user, null, List.of());
            }

            @Override
            public boolean supports(Class<?> type) {
                return UsernamePasswordAuthenticationToken.class.isAssignableFrom(type);
            }
        };
    }

    /** A request the firewall refuses (an encoded slash, a dot segment ...) gets a 400 problem, not a stack trace. */
    @Bean
    RequestRejectedHandler requestRejectedHandler() {
        return (request, response, rejected) -> problem(
                response, HttpServletResponse.SC_BAD_REQUEST, "Bad request", "the request's path is not allowed here");
    }

    /**
     * A state-changing request needs the token when it is the sign-in or sign-out form, or when a session cookie
     * would sign it in (no {@code Authorization} header): that is what a page of another site could make a browser
     * send.
     */
    static boolean needsCsrfToken(HttpServletRequest request) {
        if (SAFE.contains(request.getMethod())) {
            return false;
        }
        String path = AccessRules.path(request);
        if (path.equals(LOGIN) || path.equals("/logout")) {
            return true;
        }
        return request.getHeader(HttpHeaders.AUTHORIZATION) == null && request.getRequestedSessionId() != null;
    }

    /** A missing or wrong token: audited; the sign-in form is shown again, any other request gets a 403 problem. */
    private static AccessDeniedHandler csrfRefused(Refusals refusals) {
        return (request, response, denied) -> {
            String path = AccessRules.path(request);
            refusals.record(
                    Refusals.Reason.CROSS_SITE,
                    null,
                    null,
                    null,
                    null,
                    request.getMethod() + " " + path,
                    "missing or wrong CSRF token");
            if (path.equals(LOGIN)) {
                response.sendRedirect(request.getContextPath() + LOGIN + "?expired");
                return;
            }
            problem(
                    response,
                    HttpServletResponse.SC_FORBIDDEN,
                    "Not allowed",
                    "missing or wrong CSRF token: send the RUNBOOK-XSRF-TOKEN cookie's value as the X-RUNBOOK-XSRF-TOKEN header "
                            + "(reload the page if it has been open since before you signed in)");
        };
    }

    /** Where to go after signing in: the local path asked for, else the targets page. */
    static String next(String asked) {
        return isLocalPath(asked) ? asked : AFTER_LOGIN;
    }

    private static String nextParameter(HttpServletRequest request) {
        String asked = request.getParameter("next");
        return isLocalPath(asked) ? "&next=" + URLEncoder.encode(asked, StandardCharsets.UTF_8) : "";
    }

    /** A path on this site ({@code /runs/x}), never another site ({@code //evil}, {@code /\\evil}) or a control character. */
    private static boolean isLocalPath(String asked) {
        return asked != null && LOCAL_PATH.matcher(asked).matches();
    }

    /** The sign-in page's address for a request that needs a signed-in person, returning to it afterwards. */
    static String signInRedirect(HttpServletRequest request) {
        String path = AccessRules.path(request);
        String query = request.getQueryString();
        String back = query == null ? path : path + "?" + query;
        return request.getContextPath() + LOGIN + "?next=" + URLEncoder.encode(back, StandardCharsets.UTF_8);
    }

    static void problem(HttpServletResponse response, int status, String title, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter()
                .write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
                        + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }

    /** Loads the deferred token on every request so that its cookie reaches the page before the page posts. */
    private static final class CsrfCookieFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            CsrfToken token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
            if (token != null) {
                token.getToken();
            }
            chain.doFilter(request, response);
        }
    }
}

package dev.runbook.security;

import dev.runbook.audit.AuditProperties;
import dev.runbook.audit.LoginLog;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Every password check of the platform goes through here (see {@link GuardedIdentityProvider}): it refuses a user
 * who is locked or tries again too soon after failures ({@code runbook.security.login}), keeps the failure count
 * per user (table {@code login_lockout}, shared by all platform nodes) and writes the login log with the client's
 * address, user agent and way in. Its writes run in their own transaction, so they stay even when the caller's
 * rolls back. Other users are never affected by one user's failures.
 */
@Component
public class LoginGuard {

    /** Outcome of one login attempt, as written to the login log. */
    public enum Reason {
        OK,
        BAD_CREDENTIALS,
        UNKNOWN_USER,
        THROTTLED,
        LOCKED
    }

    /** Recorded failures of a user since their last success. */
    record State(int failures, Instant lastFailure, Instant lockedUntil, boolean stored) {
        static final State NONE = new State(0, null, null, false);
    }

    private static final Logger log = LoggerFactory.getLogger(LoginGuard.class);
    private static final int MAX_USER_ID = 64;
    private static final int MAX_REMEMBERED_SUCCESSES = 10_000;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate ownTransaction;
    private final SecurityProperties.Login policy;
    private final Duration successInterval;
    private final LoginLog logins;
    private final ClientAddress addresses;
    private final Map<String, Instant> lastLoggedSuccess = new ConcurrentHashMap<>();

    LoginGuard(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactions,
            SecurityProperties security,
            AuditProperties audit,
            LoginLog logins,
            ClientAddress addresses) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.policy = security.login();
        this.successInterval = audit.loginSuccessInterval();
        this.logins = logins;
        this.addresses = addresses;
    }

    /**
     * One login attempt: refused unchecked while the user is locked or throttled, otherwise decided by
     * {@code check} (true: password matches, false: it does not, null: no such user). Records the outcome.
     *
     * @return true when the user may sign in
     */
    public boolean attempt(String userId, String password, BiFunction<String, String, Boolean> check) {
        Instant now = Instant.now();
        if (userId == null || userId.isBlank() || userId.length() > MAX_USER_ID) {
            finish(userId, null, Reason.UNKNOWN_USER, now);
            return false;
        }
        State state = state(userId, now);
        Reason refused = refusal(state, now);
        if (refused != null) {
            finish(userId, state, refused, now);
            return false;
        }
        Boolean matches = check.apply(userId, password == null ? "" : password);
        Reason reason = matches == null ? Reason.UNKNOWN_USER : matches ? Reason.OK : Reason.BAD_CREDENTIALS;
        finish(userId, state, reason, now);
        return reason == Reason.OK;
    }

    /** The user's failures that still count at {@code now} (forgotten one lock duration after the last one). */
    State state(String userId, Instant now) {
        List<State> rows = jdbc.query(
                "SELECT failures, last_failure_at, locked_until FROM login_lockout " + "WHERE user_id = ?",
                (row, i) -> new State(
                        row.getInt(1),
                        instant(row.getObject(2, OffsetDateTime.class)),
                        instant(row.getObject(3, OffsetDateTime.class)),
                        true),
                userId);
        if (rows.isEmpty()) {
            return State.NONE;
        }
        State state = rows.get(0);
        boolean locked = state.lockedUntil() != null && now.isBefore(state.lockedUntil());
        boolean forgotten = !now.isBefore(state.lastFailure().plus(policy.lockDuration()));
        return !locked && forgotten ? new State(0, null, null, true) : state;
    }

    /** LOCKED or THROTTLED when an attempt at {@code now} must be refused without checking the password. */
    Reason refusal(State state, Instant now) {
        if (state.lockedUntil() != null && now.isBefore(state.lockedUntil())) {
            return Reason.LOCKED;
        }
        if (state.failures() >= policy.slowAfter()
                && now.isBefore(state.lastFailure().plus(delay(state.failures())))) {
            return Reason.THROTTLED;
        }
        return null;
    }

    /** The wait after {@code failures} failures: {@code delay}, doubling per further failure, at most maxDelay. */
    Duration delay(int failures) {
        int doublings = Math.min(30, Math.max(0, failures - policy.slowAfter()));
        Duration wait = policy.delay().multipliedBy(1L << doublings);
        return wait.compareTo(policy.maxDelay()) > 0 ? policy.maxDelay() : wait;
    }

    private void finish(String userId, State state, Reason reason, Instant now) {
        Request request = request();
        // a success after failures is always logged: it ends the failures (and a lock-out) the log shows before it
        boolean logIt = reason != Reason.OK || firstSuccessInInterval(userId, request, now) || state.stored();
        if (!logIt && !state.stored()) {
            return;
        }
        try {
            write(userId, state, reason, now, logIt, request);
        } catch (DuplicateKeyException raced) {
            // another node or thread stored this user's first failure at the same moment: once more, as an update
            write(userId, state, reason, now, logIt, request);
        }
    }

    private void write(String userId, State state, Reason reason, Instant now, boolean logIt, Request request) {
        ownTransaction.executeWithoutResult(status -> {
            if (reason == Reason.OK && state.stored()) {
                jdbc.update("DELETE FROM login_lockout WHERE user_id = ?", userId);
            } else if (reason == Reason.BAD_CREDENTIALS) {
                recordFailure(userId, state, now);
            }
            if (logIt) {
                logins.record(
                        userId,
                        reason == Reason.OK,
                        reason.name(),
                        request.address(),
                        request.userAgent(),
                        request.via());
            }
        });
    }

    private void recordFailure(String userId, State state, Instant now) {
        int failures = state.failures() + 1;
        Instant lockedUntil = failures >= policy.lockAfter() ? now.plus(policy.lockDuration()) : null;
        if (lockedUntil != null) {
            log.warn("user {} locked until {} after {} failed logins", userId, lockedUntil, failures);
        }
        Object[] values = {failures, utc(now), utc(lockedUntil), userId};
        String update =
                "UPDATE login_lockout SET failures = ?, last_failure_at = ?, locked_until = ? WHERE user_id = ?";
        if (jdbc.update(update, values) == 0) {
            jdbc.update(
                    "INSERT INTO login_lockout (failures, last_failure_at, locked_until, user_id) "
                            + "VALUES (?, ?, ?, ?)",
                    values);
        }
    }

    /** Each HTTP Basic call authenticates: a success is logged once per user, address and client per interval. */
    private boolean firstSuccessInInterval(String userId, Request request, Instant now) {
        if ("webapp".equals(request.via())) {
            return true;
        }
        if (lastLoggedSuccess.size() > MAX_REMEMBERED_SUCCESSES) {
            lastLoggedSuccess.clear();
        }
        String key = userId + "|" + request.address() + "|" + request.userAgent() + "|" + request.via();
        Instant last = lastLoggedSuccess.get(key);
        if (last != null && now.isBefore(last.plus(successInterval))) {
            return false;
        }
        lastLoggedSuccess.put(key, now);
        return true;
    }

    private record Request(String address, String userAgent, String via) {}

    private Request request() {
        if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes)) {
            return new Request(null, null, "other");
        }
        HttpServletRequest request = attributes.getRequest();
        String agent = request.getHeader("User-Agent");
        return new Request(
                addresses.of(request),
                agent == null ? null : agent.replaceAll("\\p{Cntrl}", " "),
                via(AccessRules.path(request)));
    }

    static String via(String path) {
        if (path.startsWith("/api/")) {
            return "api";
        }
        if (path.startsWith("/engine-rest/")) {
            return "engine-rest";
        }
        if (path.equals("/login")) {
            return "console";
        }
        return path.startsWith("/camunda/") ? "webapp" : "other";
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}

package dev.runbook.e2e;

import static dev.runbook.testsupport.ApiClient.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The console's sign-in for people, over plain HTTP as a browser sends it: a page opened without a session goes to
 * the sign-in form and back after it, the form needs the right password and its CSRF token and returns only to local
 * paths, a session may change things only with the CSRF token, and signing out ends the session. Scripts keep HTTP
 * Basic without a token (the other API tests).
 */
class ConsoleSignInApiTest extends SecuredPlatform {

    /** A browser's request: it asks for HTML and sends the cookies it holds. */
    private static RequestSpecification browser(Session session) {
        RequestSpecification request =
                given().redirects().follow(false).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if (session.id != null) {
            request.cookie("JSESSIONID", session.id);
        }
        if (session.token != null) {
            request.cookie("RUNBOOK-XSRF-TOKEN", session.token);
        }
        return request;
    }

    /** The cookies a browser holds for the platform. */
    private static final class Session {
        String id;
        String token;

        void take(Response response) {
            if (response.getCookie("JSESSIONID") != null) {
                id = response.getCookie("JSESSIONID");
            }
            if (response.getCookie("RUNBOOK-XSRF-TOKEN") != null) {
                token = response.getCookie("RUNBOOK-XSRF-TOKEN");
            }
        }
    }

    /** Opens the sign-in page (which sets the CSRF cookie) and posts the form; returns where it sends the browser. */
    private static String signIn(Session session, String user, String password, String next) {
        Response page = browser(session).get("/login");
        page.then().statusCode(200).contentType("text/html").body(containsString("name=\"_csrf\""));
        session.take(page);
        assertThat(session.token).isNotBlank();
        RequestSpecification form = browser(session)
                .formParam("username", user)
                .formParam("password", password)
                .formParam("_csrf", session.token);
        if (next != null) {
            form.formParam("next", next);
        }
        Response answer = form.post("/login");
        answer.then().statusCode(302);
        session.take(answer);
        return answer.getHeader("Location");
    }

    @Test
    void shouldSendAPersonToTheSignInPageAndBackAndLetTheSessionActAsTheUser() {
        Instant before = Instant.now();
        Session session = new Session();
        // a page opened without a session: to the sign-in form, remembering the page
        browser(session)
                .get("/runs?target=shop")
                .then()
                .statusCode(302)
                .header("Location", endsWith("/login?next=%2Fruns%3Ftarget%3Dshop"));
        // a script still gets the Basic challenge
        given().get("/runs").then().statusCode(401).header("WWW-Authenticate", containsString("Basic"));

        String anonymousSession = session.id;
        assertThat(signIn(session, "carol", "carol-pw", "/runs?target=shop")).endsWith("/runs?target=shop");
        assertThat(session.id)
                .as("a new session id after signing in")
                .isNotNull()
                .isNotEqualTo(anonymousSession);

        browser(session).get("/runs").then().statusCode(200).contentType("text/html");
        browser(session)
                .header("Accept", "application/json")
                .get("/api/me")
                .then()
                .statusCode(200)
                .body("user", equalTo("carol"))
                .body("operate", equalTo(true))
                .body("approve", equalTo(true))
                .body("audit", equalTo(false));
        browser(session).get("/api/audit/events").then().statusCode(403);
        assertThat(as("admin")
                        .get("/api/audit/logins?user=carol&from=" + before)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("items.via", String.class))
                .containsExactly("console");

        Session bobs = new Session();
        signIn(bobs, "bob", "bob-pw", null);
        browser(bobs)
                .get("/api/me")
                .then()
                .statusCode(200)
                .body("user", equalTo("bob"))
                .body("operate", equalTo(false))
                .body("approve", equalTo(true));
    }

    @Test
    void shouldRefuseAWrongPasswordAFormWithoutItsTokenAndAForeignReturnAddress() {
        Session wrong = new Session();
        assertThat(signIn(wrong, "erin", "not-her-pw", "/runs")).endsWith("/login?error&next=%2Fruns");
        browser(wrong).get("/api/me").then().statusCode(401);

        Session noToken = new Session();
        browser(noToken)
                .formParam("username", "erin")
                .formParam("password", "erin-pw")
                .post("/login")
                .then()
                .statusCode(302)
                .header("Location", endsWith("/login?expired"));

        for (String foreign : List.of("https://evil.example/", "//evil.example/x", "/\\evil.example")) {
            Session session = new Session();
            assertThat(signIn(session, "alice", "alice-pw", foreign))
                    .as(foreign)
                    .endsWith("/targets");
        }
    }

    @Test
    void shouldLetASessionChangeThingsOnlyWithItsCsrfTokenAndEndItOnSignOut() {
        Session session = new Session();
        signIn(session, "alice", "alice-pw", null);

        // a form another site makes alice's browser post carries her session cookie but not the token
        browser(session)
                .contentType("application/json")
                .body("{}")
                .post("/api/runs/any-run/withdraw")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("CSRF"));
        as("admin")
                .get("/api/audit/events?action=REFUSE&size=1")
                .then()
                .statusCode(200)
                .body("items[0].outcome", equalTo("CROSS_SITE"))
                .body("items[0].refs", equalTo("POST /api/runs/any-run/withdraw"));
        // the console's own page sends the token: the request reaches the API (404: no such run)
        browser(session)
                .header("X-RUNBOOK-XSRF-TOKEN", session.token)
                .contentType("application/json")
                .body("{}")
                .post("/api/runs/any-run/withdraw")
                .then()
                .statusCode(404);

        browser(session).post("/logout").then().statusCode(403);
        Response out = browser(session).formParam("_csrf", session.token).post("/logout");
        out.then().statusCode(302).header("Location", endsWith("/login?signed-out"));
        browser(session)
                .header("Accept", "application/json")
                .get("/api/me")
                .then()
                .statusCode(401);
        browser(session).get("/targets").then().statusCode(302).header("Location", containsString("/login?next="));
    }
}

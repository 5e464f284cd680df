package dev.runbook.testsupport;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.Map;

/**
 * A browser-like session with Camunda's webapps: the login form of Cockpit, Tasklist or Admin, then calls to the
 * webapps' REST API ({@code /camunda/api/engine/engine/default/...}) with the session cookie and the CSRF token the
 * webapps hand out on every GET.
 */
public final class WebappSession {

    private final Map<String, String> cookies = new HashMap<>();
    private String csrfToken;

    /** Logs in to {@code app} ({@code cockpit}, {@code tasklist}, {@code admin}); returns the login response. */
    public Response login(String app, String user, String password) {
        refreshToken();
        Response login = request()
                .contentType(ContentType.URLENC)
                .formParam("username", user)
                .formParam("password", password)
                .post("/camunda/api/admin/auth/user/default/login/" + app);
        cookies.putAll(login.getCookies());
        return login;
    }

    /** A GET that hands out the CSRF token of the current session. */
    private void refreshToken() {
        Response page = request().get("/camunda/api/admin/auth/user/default");
        cookies.putAll(page.getCookies());
        String token = page.getHeader("X-XSRF-TOKEN");
        if (token != null) {
            csrfToken = token;
        }
    }

    /** A call to the webapps' API with this session; modifying calls carry a fresh CSRF token. */
    public RequestSpecification api() {
        refreshToken();
        return request();
    }

    private RequestSpecification request() {
        RequestSpecification spec = given().cookies(cookies);
        return csrfToken == null ? spec : spec.header("X-XSRF-TOKEN", csrfToken);
    }
}

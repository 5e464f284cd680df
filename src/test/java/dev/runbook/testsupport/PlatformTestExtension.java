package dev.runbook.testsupport;

import io.restassured.RestAssured;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/** Points RestAssured at the port of the test's application context before each test of a {@link PlatformTest}. */
public class PlatformTestExtension implements BeforeEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        RestAssured.port = SpringExtension.getApplicationContext(context)
                .getEnvironment()
                .getRequiredProperty("local.server.port", Integer.class);
    }
}

package dev.runbook.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

/**
 * An end-to-end test of the whole platform: the Spring Boot application on a random port with the {@code test}
 * profile, and RestAssured pointed at that port before each test ({@link PlatformTestExtension}). The test class
 * describes its targets in a {@code @DynamicPropertySource}, usually with {@link FixtureTarget#register}, which also
 * picks the database (H2, or PostgreSQL in the build's second pass; see {@link TestDatabases}). Spring caches one
 * context per distinct set of properties, so classes that must share a context share a base class with the
 * property source (as {@code e2e.SecuredPlatform} does).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@ExtendWith(PlatformTestExtension.class)
public @interface PlatformTest {}

/**
 * What the tests share: {@link dev.runbook.testsupport.PlatformTest} for end-to-end tests of the Spring Boot
 * application, real deploy targets ({@link dev.runbook.testsupport.FixtureTarget}, its PM2 app
 * {@link dev.runbook.testsupport.FixtureApp}), REST and webapp clients ({@link dev.runbook.testsupport.ApiClient},
 * {@link dev.runbook.testsupport.WebappSession}), a webhook receiver, databases (H2 or PostgreSQL per Spring context,
 * scratch PostgreSQL databases, MongoDB tool stand-ins), separate platform processes for crash and cluster tests, and
 * the JUnit session listeners that stop the test PM2 daemon and drop the test databases.
 */
package dev.runbook.testsupport;

/**
 * End-to-end tests: the whole platform ({@link dev.runbook.testsupport.PlatformTest}) through its REST API, Camunda's
 * webapps and a browser, against real targets (git, npm, PM2, HTTP, PostgreSQL). Classes named {@code *EndToEndTest}
 * and {@code *ApiTest} run a second time on PostgreSQL in {@code mvn verify}.
 */
package dev.runbook.e2e;

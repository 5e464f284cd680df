/** End-to-end tests of several platform processes or of one under load: crash recovery, two nodes, many starts. */
package dev.runbook.e2e.cluster;

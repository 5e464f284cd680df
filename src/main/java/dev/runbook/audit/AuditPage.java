package dev.runbook.audit;

import java.util.List;

/**
 * One page of audit events or login log entries, newest first.
 *
 * @param items the entries of this page
 * @param page  page number, from 0
 * @param size  page size asked for
 * @param total number of entries matching the filter, all pages together
 */
public record AuditPage<T>(List<T> items, int page, int size, long total) {}

-- Monitoring state per target (see dev.runbook.monitor.MonitorState): when the next watch check is due (the node
-- that moves next_check_at forward starts it, so several platform nodes start one check per interval), and the open
-- alert episode (first UNHEALTHY check, when its alert went out) so an alert is raised once per episode.
CREATE TABLE monitor_state (
    target          VARCHAR(64) PRIMARY KEY,
    next_check_at   TIMESTAMP WITH TIME ZONE,
    unhealthy_since TIMESTAMP WITH TIME ZONE,
    alerted_at      TIMESTAMP WITH TIME ZONE,
    reasons         VARCHAR(4000),
    last_status     VARCHAR(16),
    last_checked_at TIMESTAMP WITH TIME ZONE
);

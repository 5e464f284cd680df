-- One changing run per target: the row names the run holding the target. A row whose run has ended is stale and
-- is taken over by the next start (see dev.runbook.run.RunLauncher).
CREATE TABLE target_lock (
    target      VARCHAR(64) PRIMARY KEY,
    run_id      VARCHAR(64) NOT NULL,
    process_key VARCHAR(64) NOT NULL,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Platform nodes sharing this database and when each was last seen alive. The job locks of a node not seen for a
-- while are released so another node resumes its steps (see dev.runbook.run.JobLockOwner).
CREATE TABLE platform_node (
    lock_owner   VARCHAR(255) PRIMARY KEY,
    heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL
);

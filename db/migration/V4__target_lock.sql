-- One changing run per target: the row names the run holding the target. A row whose run has ended is stale and
-- is taken over by the next start (see dev.runbook.run.RunLauncher).
CREATE TABLE target_lock (
    target      VARCHAR(64) PRIMARY KEY,
    run_id      VARCHAR(64) NOT NULL,
    process_key VARCHAR(64) NOT NULL,
    acquired_at TIMESTAMP WITH TIME ZONE NOT NULL
);

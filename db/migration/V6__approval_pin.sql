-- What an approver is shown is what runs: when an approval task is created, the platform pins a SHA-256 of every
-- variable of its run; completing the task with any of them changed (through /engine-rest, Tasklist's form or a
-- variable update in between) is refused (see dev.runbook.approval.ApprovalPin).
CREATE TABLE approval_pin (
    task_id    VARCHAR(64) PRIMARY KEY,
    run_id     VARCHAR(64) NOT NULL,
    pinned     VARCHAR(16000) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

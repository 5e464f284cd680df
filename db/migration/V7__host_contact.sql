-- The agent of each remote host: when it last called the platform (on any node), as which user, from where and with
-- which client. A host whose agent has been silent longer than runbook.hosts.<host>.silent-after is DEGRADED (see
-- dev.runbook.host.HostContacts).
CREATE TABLE host_contact (
    host         VARCHAR(63) PRIMARY KEY,
    agent_user   VARCHAR(64) NOT NULL,
    contacted_at TIMESTAMP WITH TIME ZONE NOT NULL,
    address      VARCHAR(64),
    client       VARCHAR(200)
);

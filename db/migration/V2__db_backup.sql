-- Database backups of the targets' databases (mongodump / pg_dump archives under <data-dir>/db-backups/<target>/).
-- status: RUNNING (being dumped), OK (verified), FAILED (no usable archive), CORRUPT (archive no longer matches its
-- sha256), DELETED (removed by retention; the row stays as a record).
CREATE TABLE db_backup (
    id             VARCHAR(64)    PRIMARY KEY,
    target         VARCHAR(64)    NOT NULL,
    kind           VARCHAR(16)    NOT NULL,
    schedule_class VARCHAR(16)    NOT NULL,
    database_name  VARCHAR(64)    NOT NULL,
    file           VARCHAR(500)   NOT NULL,
    size_bytes     BIGINT,
    sha256         CHAR(64),
    counts         VARCHAR(65535),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by     VARCHAR(64),
    run_id         VARCHAR(64),
    status         VARCHAR(16)    NOT NULL,
    note           VARCHAR(2000)
);
CREATE INDEX db_backup_target ON db_backup (target, created_at);

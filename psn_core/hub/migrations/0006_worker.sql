-- 0006 worker: the huey queue lives in the hub (PostgresHuey's own table layout, created here by the
-- owner so the worker, which connects as psn_app, needs no DDL rights).
-- These tables are bookkeeping, not member data: task payloads carry ids, never tokens or text.
-- They are listed in NON_MEMBER_TABLES (psn_core/hub/audit.py) and have no RLS on purpose: one
-- worker serves every member of a hub.

CREATE TABLE huey_kv (
    queue text NOT NULL,
    key   text NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (queue, key)
);

CREATE TABLE huey_schedule (
    id        bigserial PRIMARY KEY,
    queue     text NOT NULL,
    data      bytea NOT NULL,
    timestamp double precision NOT NULL
);
CREATE INDEX huey_schedule_queue_timestamp ON huey_schedule (queue, timestamp);

CREATE TABLE huey_task (
    id       bigserial PRIMARY KEY,
    queue    text NOT NULL,
    data     bytea NOT NULL,
    priority double precision NOT NULL DEFAULT 0.0
);
CREATE INDEX huey_task_queue_priority_id ON huey_task (queue, priority DESC, id);

CREATE TABLE huey_counter (
    queue text NOT NULL,
    key   text NOT NULL,
    value bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, key)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON huey_kv, huey_schedule, huey_task, huey_counter TO psn_app;
GRANT USAGE, SELECT ON SEQUENCE huey_schedule_id_seq, huey_task_id_seq TO psn_app;

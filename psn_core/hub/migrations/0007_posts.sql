-- 0007 posts: a post and its per-platform targets, the publish ledger (exactly once), and the
-- persisted media upload state machine. Same RLS conventions as 0001.

CREATE TABLE posts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id    uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    idea         text NOT NULL DEFAULT '',
    language     text NOT NULL DEFAULT 'en',
    persona      text NOT NULL DEFAULT 'personal',
    origin       text NOT NULL DEFAULT 'human' CHECK (origin IN ('human', 'ai_reviewed')),
    -- what the user asked for, echoed back: local wall-clock time in their IANA zone
    timezone     text NOT NULL,
    local_time   timestamp,
    scheduled_at timestamptz,
    ttl_seconds  integer NOT NULL DEFAULT 1800 CHECK (ttl_seconds BETWEEN 60 AND 604800),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, member_id)
);
CREATE INDEX posts_member_time_idx ON posts (member_id, scheduled_at);

CREATE TABLE post_targets (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id               uuid NOT NULL,
    member_id             uuid NOT NULL,
    account_id            uuid NOT NULL,
    platform              text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    rendering             jsonb NOT NULL,
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN (
                              'draft', 'scheduled', 'publishing', 'published', 'failed', 'expired',
                              'needs_attention', 'cancelled')),
    due_at                timestamptz,
    next_attempt_at       timestamptz,
    run_id                text,
    attempts              integer NOT NULL DEFAULT 0,
    remote_ids            text[] NOT NULL DEFAULT '{}',
    remote_url            text,
    private_only          boolean NOT NULL DEFAULT false,
    error_class           text,
    error_message         text,
    error_action          text,
    error_raw             text,
    publishing_started_at timestamptz,
    published_at          timestamptz,
    first_request_at      timestamptz,
    lateness_ms           integer,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (post_id, member_id) REFERENCES posts (id, member_id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE,
    UNIQUE (id, member_id)
);
CREATE INDEX post_targets_due_idx ON post_targets (status, next_attempt_at);
CREATE INDEX post_targets_post_idx ON post_targets (post_id);

-- One row per attempt to create one remote part (a tweet of a thread, a post). Written and committed
-- *before* the request leaves: a row still 'sending' after a crash means "unknown", reconciled by
-- reading the account's recent posts before anything is sent again.
CREATE TABLE publish_ledger (
    id              bigserial PRIMARY KEY,
    member_id       uuid NOT NULL,
    target_id       uuid NOT NULL,
    part_index      integer NOT NULL,
    idempotency_key text NOT NULL,
    attempt         integer NOT NULL,
    state           text NOT NULL CHECK (state IN ('sending', 'ok', 'failed', 'unknown', 'reconciled', 'abandoned')),
    remote_id       text,
    error_class     text,
    detail          text,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    FOREIGN KEY (target_id, member_id) REFERENCES post_targets (id, member_id) ON DELETE CASCADE,
    UNIQUE (idempotency_key, attempt)
);
CREATE INDEX publish_ledger_target_idx ON publish_ledger (target_id, part_index);

-- The upload state machine of each media item of a target, persisted so a restarted worker resumes.
CREATE TABLE media_uploads (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id       uuid NOT NULL,
    target_id       uuid NOT NULL,
    part_index      integer NOT NULL,
    media_index     integer NOT NULL,
    path            text NOT NULL,
    state           text NOT NULL CHECK (state IN (
                        'INITIALIZED', 'UPLOADING', 'PROCESSING', 'READY', 'PUBLISHED', 'FAILED')),
    session         jsonb,
    remote_media_id text,
    deadline        timestamptz NOT NULL,
    error           text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (target_id, member_id) REFERENCES post_targets (id, member_id) ON DELETE CASCADE,
    UNIQUE (target_id, part_index, media_index)
);

ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
ALTER TABLE posts FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON posts TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON posts TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE post_targets ENABLE ROW LEVEL SECURITY;
ALTER TABLE post_targets FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON post_targets TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON post_targets TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE publish_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE publish_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON publish_ledger TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON publish_ledger TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE media_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON media_uploads TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON media_uploads TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON posts, post_targets, publish_ledger, media_uploads TO psn_app;
GRANT USAGE, SELECT ON SEQUENCE publish_ledger_id_seq TO psn_app;

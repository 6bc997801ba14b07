-- 0001 foundation: members, connected accounts, encrypted tokens and secrets, per-member settings.
--
-- Every member-data table has row-level security ENABLED and FORCED. psn_app (the runtime role)
-- sees a row only when its member_id equals psn_current_member(), the per-transaction setting
-- psn.member_id; with no setting it sees nothing. The owner role (CURRENT_USER here: whoever runs
-- migrations) gets an explicit maintenance policy, used for key rotation and audits only.

CREATE FUNCTION psn_current_member() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('psn.member_id', true), '')::uuid $$;

CREATE TABLE members (
    id           uuid PRIMARY KEY,
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    email        text,
    timezone     text NOT NULL DEFAULT 'UTC',
    role         text NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'admin', 'editor', 'contributor')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    platform       text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    handle         text NOT NULL,
    remote_user_id text NOT NULL,
    display_name   text,
    status         text NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'needs_reauth', 'revoked', 'disconnected')),
    status_reason  text,
    sandbox        boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, platform, remote_user_id),
    UNIQUE (id, member_id)
);
CREATE INDEX accounts_member_idx ON accounts (member_id, platform);

CREATE TABLE oauth_tokens (
    account_id         uuid PRIMARY KEY,
    member_id          uuid NOT NULL,
    access_token_enc   text NOT NULL,
    refresh_token_enc  text,
    token_type         text NOT NULL DEFAULT 'bearer',
    scopes             text[] NOT NULL DEFAULT '{}',
    expires_at         timestamptz,
    refresh_expires_at timestamptz,
    last_refreshed_at  timestamptz,
    last_failure_class text,
    last_failure_at    timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- the token's member is always its account's member
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE
);
CREATE INDEX oauth_tokens_expiry_idx ON oauth_tokens (expires_at);

CREATE TABLE secrets (
    member_id  uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name ~ '^[a-z0-9_.-]{1,64}$'),
    value_enc  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, name)
);

CREATE TABLE settings_kv (
    member_id  uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (key ~ '^[a-z0-9_.-]{1,64}$'),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, key)
);

-- Row-level security ---------------------------------------------------------------------------

ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY member_self ON members TO psn_app
    USING (id = psn_current_member()) WITH CHECK (id = psn_current_member());
CREATE POLICY owner_maintenance ON members TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON accounts TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON accounts TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE oauth_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON oauth_tokens TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON oauth_tokens TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON secrets TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON secrets TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE settings_kv ENABLE ROW LEVEL SECURITY;
ALTER TABLE settings_kv FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON settings_kv TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON settings_kv TO CURRENT_USER USING (true) WITH CHECK (true);

-- Grants: psn_app gets row access only (no DDL, no TRUNCATE, no ownership) -----------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON members, accounts, oauth_tokens, secrets, settings_kv TO psn_app;
GRANT EXECUTE ON FUNCTION psn_current_member() TO psn_app;

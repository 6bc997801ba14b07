-- 0003 accounts: sign-ins in progress (state + PKCE verifier), and token lifecycle bookkeeping.

-- One row per `psn auth` / start_connect until its redirect comes back (single use, 10 minutes).
-- The state itself is never stored, only its SHA-256; the PKCE verifier is encrypted.
CREATE TABLE oauth_pending (
    state_hash        text PRIMARY KEY,
    member_id         uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    platform          text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    code_verifier_enc text,
    redirect_uri      text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL
);
CREATE INDEX oauth_pending_member_idx ON oauth_pending (member_id, expires_at);

ALTER TABLE oauth_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_pending FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON oauth_pending TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON oauth_pending TO CURRENT_USER USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_pending TO psn_app;

-- Token lifecycle: failed refresh attempts in a row, and which expiry alerts (days) were already sent
-- for the current expiry, so each threshold alerts once, not once per run.
ALTER TABLE oauth_tokens
    ADD COLUMN refresh_failures    integer NOT NULL DEFAULT 0,
    ADD COLUMN expiry_alerts_sent  integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN version             bigint NOT NULL DEFAULT 1;

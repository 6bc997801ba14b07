-- 0004 budgets: the request budget ledger, one live window per (account, platform, bucket).
--
-- Every API call reserves one request here before it is sent (psn_core.services.budgets.reserve: a
-- single INSERT ... ON CONFLICT DO UPDATE ... WHERE, so two processes can never both take the last
-- request). A bucket is the whole account (Instagram) or one endpoint (X, LinkedIn, TikTok).
-- Platform windows are rolling or header-defined, so a row is rolled over in place when its reset_at
-- has passed (window_start records when the current window opened) instead of one row per window:
-- the hot path stays one statement on one primary-key row and no history piles up.
-- Responses correct the row: request_limit and used from rate-limit headers, reset_at from the
-- platform's reset (a 429 sets used = request_limit until then). Same RLS conventions as 0001.

CREATE TABLE budget_ledger (
    member_id          uuid NOT NULL,
    account_id         uuid NOT NULL,
    platform           text NOT NULL CHECK (platform IN ('x', 'linkedin', 'instagram', 'tiktok')),
    -- 'all' (account-wide) or 'METHOD /path/template' with ids replaced, e.g. 'GET /2/tweets/:id'
    bucket             text NOT NULL CHECK (length(bucket) BETWEEN 1 AND 200),
    window_start       timestamptz NOT NULL,
    reset_at           timestamptz NOT NULL,
    request_limit      integer NOT NULL CHECK (request_limit >= 0),
    used               integer NOT NULL CHECK (used >= 0),
    -- the platform told us the limit (x-rate-limit-limit): keep it across windows
    limit_from_headers boolean NOT NULL DEFAULT false,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (member_id, account_id, platform, bucket),
    -- the row's member is always its account's member
    FOREIGN KEY (account_id, member_id) REFERENCES accounts (id, member_id) ON DELETE CASCADE
);

-- Row-level security ---------------------------------------------------------------------------

ALTER TABLE budget_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE budget_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY member_rows ON budget_ledger TO psn_app
    USING (member_id = psn_current_member()) WITH CHECK (member_id = psn_current_member());
CREATE POLICY owner_maintenance ON budget_ledger TO CURRENT_USER USING (true) WITH CHECK (true);

-- Grants: row access only -----------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON budget_ledger TO psn_app;

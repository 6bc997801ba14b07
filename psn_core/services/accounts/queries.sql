-- The accounts wing's queries: sign-ins and connected accounts, OAuth tokens and request budgets.
-- Loaded once by Queries.load(__package__).

-- === sign-ins and accounts (accounts.py) =====================================================

-- name: delete_expired_sign_ins
-- Forget the member's sign-ins that expired before `now`.
DELETE FROM oauth_pending WHERE member_id = %(member_id)s AND expires_at < %(now)s;

-- name: insert_sign_in
-- Remember a sign-in: the hash of its state, the encrypted PKCE verifier, and when it expires.
INSERT INTO oauth_pending (state_hash, member_id, platform, code_verifier_enc, redirect_uri, expires_at)
VALUES (%(state_hash)s, %(member_id)s, %(platform)s, %(code_verifier_enc)s, %(redirect_uri)s, %(expires_at)s);

-- name: take_sign_in
-- Claim a sign-in by its state hash (single use: the row goes).
DELETE FROM oauth_pending WHERE state_hash = %(state_hash)s AND member_id = %(member_id)s
RETURNING platform, code_verifier_enc, state_hash, expires_at;

-- name: upsert_account
-- Store a connected account; reconnecting the same remote user updates it in place. Returns its id.
INSERT INTO accounts (member_id, platform, handle, remote_user_id, display_name, sandbox)
VALUES (%(member_id)s, %(platform)s, %(handle)s, %(remote_user_id)s, %(display_name)s, %(sandbox)s)
ON CONFLICT (member_id, platform, remote_user_id) DO UPDATE
   SET handle = EXCLUDED.handle, display_name = EXCLUDED.display_name, sandbox = EXCLUDED.sandbox,
       status = 'active', status_reason = NULL, updated_at = now()
RETURNING id;

-- name: upsert_tokens
-- Store an account's tokens, encrypted; a missing refresh token keeps the stored one (never blanked).
INSERT INTO oauth_tokens (account_id, member_id, access_token_enc, refresh_token_enc, token_type, scopes,
                          expires_at, refresh_expires_at, last_refreshed_at)
VALUES (%(account_id)s, %(member_id)s, %(access_token_enc)s, %(refresh_token_enc)s, %(token_type)s, %(scopes)s,
        %(expires_at)s, %(refresh_expires_at)s, %(obtained_at)s)
ON CONFLICT (account_id) DO UPDATE SET
    access_token_enc = EXCLUDED.access_token_enc,
    refresh_token_enc = COALESCE(EXCLUDED.refresh_token_enc, oauth_tokens.refresh_token_enc),
    refresh_expires_at = CASE WHEN EXCLUDED.refresh_token_enc IS NULL
                              THEN oauth_tokens.refresh_expires_at ELSE EXCLUDED.refresh_expires_at END,
    token_type = EXCLUDED.token_type,
    scopes = CASE WHEN cardinality(EXCLUDED.scopes) > 0 THEN EXCLUDED.scopes ELSE oauth_tokens.scopes END,
    expires_at = EXCLUDED.expires_at,
    last_refreshed_at = EXCLUDED.last_refreshed_at,
    refresh_failures = 0,
    last_failure_class = NULL,
    expiry_alerts_sent = '{}',
    version = oauth_tokens.version + 1,
    updated_at = now();

-- name: account
-- One of the member's accounts with the state of its tokens.
SELECT a.id, a.platform, a.handle, a.display_name, a.status, a.status_reason, a.sandbox,
       t.expires_at, t.refresh_expires_at, t.last_refreshed_at, t.last_failure_class,
       (t.refresh_token_enc IS NOT NULL) AS has_refresh
  FROM accounts a LEFT JOIN oauth_tokens t ON t.account_id = a.id
 WHERE a.id = %(account_id)s AND a.member_id = %(member_id)s;

-- name: accounts_of_member
-- Every account of the member with the state of its tokens, by platform and handle.
SELECT a.id, a.platform, a.handle, a.display_name, a.status, a.status_reason, a.sandbox,
       t.expires_at, t.refresh_expires_at, t.last_refreshed_at, t.last_failure_class,
       (t.refresh_token_enc IS NOT NULL) AS has_refresh
  FROM accounts a LEFT JOIN oauth_tokens t ON t.account_id = a.id
 WHERE a.member_id = %(member_id)s
 ORDER BY a.platform, a.handle;

-- name: company_connector
-- Who connects an account for a company hub: the member's name and the company's.
SELECT m.display_name, h.company_name FROM members m, hub_info h WHERE m.id = %(member_id)s;

-- === tokens (tokens.py) ======================================================================

-- name: token
-- An account's token row with its account's platform, handle and status.
SELECT t.account_id, t.access_token_enc, t.refresh_token_enc, t.expires_at, t.refresh_expires_at,
       t.refresh_failures, t.version, t.expiry_alerts_sent, a.platform, a.handle, a.status
  FROM oauth_tokens t JOIN accounts a ON a.id = t.account_id
 WHERE t.account_id = %(account_id)s;

-- name: token_for_update
-- The same, locked for a refresh: siblings wait here and then find the fresh token.
SELECT t.account_id, t.access_token_enc, t.refresh_token_enc, t.expires_at, t.refresh_expires_at,
       t.refresh_failures, t.version, t.expiry_alerts_sent, a.platform, a.handle, a.status
  FROM oauth_tokens t JOIN accounts a ON a.id = t.account_id
 WHERE t.account_id = %(account_id)s
   FOR UPDATE OF t;

-- name: active_tokens
-- The token rows of every active account.
SELECT t.account_id, t.access_token_enc, t.refresh_token_enc, t.expires_at, t.refresh_expires_at,
       t.refresh_failures, t.version, t.expiry_alerts_sent, a.platform, a.handle, a.status
  FROM oauth_tokens t JOIN accounts a ON a.id = t.account_id
 WHERE a.status = 'active';

-- name: record_refresh_failure
-- Count a failed refresh and its kind.
UPDATE oauth_tokens SET refresh_failures = %(failures)s, last_failure_class = %(failure)s,
       last_failure_at = %(now)s
 WHERE account_id = %(account_id)s;

-- name: account_needs_reauth
-- The account must be reconnected; posts to it pause.
UPDATE accounts SET status = 'needs_reauth', status_reason = %(reason)s, updated_at = now()
 WHERE id = %(account_id)s;

-- name: expiring_tokens
-- Active accounts' tokens that expire at all, with their platform (the refresher's sweep).
SELECT t.account_id, t.expires_at, a.platform
  FROM oauth_tokens t JOIN accounts a ON a.id = t.account_id
 WHERE a.status = 'active' AND t.expires_at IS NOT NULL;

-- name: set_expiry_alerts
-- The expiry thresholds (days) already announced for a token.
UPDATE oauth_tokens SET expiry_alerts_sent = %(days)s WHERE account_id = %(account_id)s;

-- === request budgets (budgets.py) ============================================================

-- name: reserve
-- Take one request from a bucket's window (rolling an expired window over); no row when it is spent for
-- this priority (reserved_pct: the percent of the limit kept for CRITICAL work).
INSERT INTO budget_ledger AS b
       (member_id, account_id, platform, bucket, window_start, reset_at, request_limit, used, updated_at)
VALUES (%(member)s, %(account)s, %(platform)s, %(bucket)s, %(now)s, %(window_end)s, %(limit)s, 1, %(now)s)
ON CONFLICT (member_id, account_id, platform, bucket) DO UPDATE
   SET used = CASE WHEN b.reset_at <= EXCLUDED.window_start THEN 1 ELSE b.used + 1 END,
       window_start = CASE WHEN b.reset_at <= EXCLUDED.window_start THEN EXCLUDED.window_start
                           ELSE b.window_start END,
       reset_at = CASE WHEN b.reset_at <= EXCLUDED.window_start THEN EXCLUDED.reset_at ELSE b.reset_at END,
       request_limit = CASE WHEN b.limit_from_headers THEN b.request_limit ELSE EXCLUDED.request_limit END,
       updated_at = EXCLUDED.updated_at
 WHERE b.reset_at <= EXCLUDED.window_start
    OR (b.request_limit - b.used)::bigint * 100 > b.request_limit::bigint * %(reserved_pct)s
RETURNING used, request_limit, window_start, reset_at;

-- name: observe
-- Correct a bucket's window from a response's rate-limit headers; a 429 (exhausted) spends it.
UPDATE budget_ledger AS b
   SET request_limit = COALESCE(%(limit)s::int, b.request_limit),
       limit_from_headers = b.limit_from_headers OR %(limit)s::int IS NOT NULL,
       used = CASE
           WHEN %(exhausted)s THEN GREATEST(b.used, COALESCE(%(limit)s::int, b.request_limit))
           ELSE GREATEST(CASE WHEN b.reset_at <= %(now)s THEN 0 ELSE b.used END,
                         COALESCE(%(used)s::int,
                                  COALESCE(%(limit)s::int, b.request_limit)::bigint * %(used_pct)s::int / 100, 0))
       END,
       window_start = CASE WHEN b.reset_at <= %(now)s THEN %(now)s ELSE b.window_start END,
       reset_at = COALESCE(%(reset_at)s::timestamptz,
                           CASE WHEN b.reset_at > %(now)s THEN b.reset_at ELSE %(window_end)s END),
       updated_at = %(now)s
 WHERE b.member_id = %(member)s AND b.account_id = %(account)s AND b.platform = %(platform)s
   AND b.bucket = %(bucket)s;

-- name: budget_window
-- One bucket's window as it stands (to word a refusal).
SELECT used, request_limit, window_start, reset_at FROM budget_ledger
 WHERE member_id = %(member)s AND account_id = %(account)s AND platform = %(platform)s AND bucket = %(bucket)s;

-- name: budget_lines
-- Every bucket of the member's accounts, by platform, handle and bucket.
SELECT b.account_id, a.handle, b.platform, b.bucket, b.used, b.request_limit, b.reset_at
  FROM budget_ledger b JOIN accounts a ON a.id = b.account_id
 WHERE b.member_id = %(member_id)s
 ORDER BY b.platform, a.handle, b.bucket;

-- === what the granted scopes allow (features.py) ===============================================

-- name: granted_scopes
-- The scopes the platform granted with the account's token (empty when it did not say).
SELECT scopes FROM oauth_tokens WHERE account_id = %(account_id)s;

-- === removing an account (removal.py) ========================================================

-- name: accounts_on_platform
-- The member's accounts on one platform, by handle.
SELECT id, platform, handle, status FROM accounts
 WHERE member_id = %(member_id)s AND platform = %(platform)s ORDER BY handle;

-- name: waiting_targets_of_account
-- An account's targets still going out (scheduled, publishing or waiting for approval), soonest first.
SELECT id, post_id, status, due_at, coalesce(rendering->'parts'->0->>'text', '') AS text
  FROM post_targets
 WHERE account_id = %(account_id)s AND status IN ('scheduled', 'publishing', 'pending_approval')
 ORDER BY due_at, id;

-- name: cancel_account_targets
-- Cancel an account's targets that have not started publishing, saying why.
UPDATE post_targets SET status = 'cancelled', error_class = 'AccountRemoved',
       error_message = 'Cancelled: its account was removed from psn.',
       error_action = 'Reconnect the account and post it again.', updated_at = now()
 WHERE account_id = %(account_id)s AND status IN ('scheduled', 'pending_approval')
RETURNING id;

-- name: delete_account_tokens
-- Forget an account's tokens (the encrypted access and refresh tokens go with the row).
DELETE FROM oauth_tokens WHERE account_id = %(account_id)s AND member_id = %(member_id)s;

-- name: disconnect_account
-- Mark the member's account removed; its past posts keep pointing at it. Reconnecting makes it active again.
UPDATE accounts SET status = 'disconnected', status_reason = %(reason)s, updated_at = now()
 WHERE id = %(account_id)s AND member_id = %(member_id)s;

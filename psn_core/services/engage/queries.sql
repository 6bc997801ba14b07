-- The engagement inbox. Every query runs as the member under RLS (their own rows only).

-- name: engage_accounts
-- The member's active accounts, with each source's cursor and pause.
SELECT a.id, a.platform, a.handle, a.remote_user_id
  FROM accounts a
 WHERE a.member_id = %(member)s AND a.status = 'active'
 ORDER BY a.platform, a.handle;

-- name: source_state
SELECT source, since_id, checked_at, resume_at, last_error, last_error_at
  FROM engagement_sources WHERE account_id = %(account)s;

-- name: save_source
-- Where a read stopped: the newest id seen (kept when the read found nothing, unless keep_since is false: a
-- search read from a time, its old id past X's 7-day window), or the refusal and the pause.
INSERT INTO engagement_sources (account_id, member_id, source, since_id, checked_at, resume_at, last_error,
                                last_error_at)
VALUES (%(account)s, %(member)s, %(source)s, %(since_id)s, %(now)s, %(resume_at)s, %(error)s,
        CASE WHEN %(error)s::text IS NULL THEN NULL ELSE %(now)s END)
ON CONFLICT (account_id, source) DO UPDATE
   SET since_id = CASE WHEN %(keep_since)s THEN coalesce(EXCLUDED.since_id, engagement_sources.since_id)
                       ELSE EXCLUDED.since_id END,
       checked_at = EXCLUDED.checked_at,
       resume_at = EXCLUDED.resume_at,
       last_error = EXCLUDED.last_error,
       last_error_at = coalesce(EXCLUDED.last_error_at, engagement_sources.last_error_at);

-- name: insert_opportunity
-- A new find; one already in the inbox (same platform and remote id) is left as it is.
INSERT INTO engagement_opportunities (member_id, account_id, platform, remote_id, source, author_id, author_handle,
                                      author_followers, text, url, conversation_id, in_reply_to_id, addressed,
                                      score, score_parts, said_at, found_at, expires_at)
VALUES (%(member)s, %(account)s, %(platform)s, %(remote_id)s, %(source)s, %(author_id)s, %(author_handle)s,
        %(author_followers)s, %(text)s, %(url)s, %(conversation_id)s, %(in_reply_to_id)s, %(addressed)s,
        %(score)s, %(score_parts)s, %(said_at)s, %(now)s, %(expires_at)s)
ON CONFLICT (member_id, platform, remote_id) DO NOTHING
RETURNING id;

-- name: opportunities
-- The inbox: open opportunities (or those in the given states), best first.
SELECT o.id, o.account_id, o.platform, a.handle, o.remote_id, o.source, o.author_handle, o.author_followers,
       o.text, o.url, o.addressed, o.score, o.score_parts, o.state, o.said_at, o.found_at, o.expires_at,
       o.in_reply_to_id, o.conversation_id,
       r.id AS reply_id, r.state AS reply_state, r.text AS reply_text, r.remote_id AS reply_remote_id
  FROM engagement_opportunities o
  JOIN accounts a ON a.id = o.account_id
  LEFT JOIN LATERAL (SELECT id, state, text, remote_id FROM engagement_replies
                      WHERE opportunity_id = o.id ORDER BY state <> 'failed' DESC, confirmed_at DESC LIMIT 1) r ON true
 WHERE o.member_id = %(member)s AND o.state = ANY (%(states)s)
   AND (%(platform)s::text IS NULL OR o.platform = %(platform)s)
 ORDER BY o.score DESC, o.said_at DESC
 LIMIT %(limit)s;

-- name: opportunity_ids_like
SELECT id FROM engagement_opportunities WHERE id::text LIKE %(prefix)s ORDER BY id LIMIT 3;

-- name: opportunity
SELECT o.id, o.account_id, o.platform, a.handle, o.remote_id, o.source, o.author_handle, o.author_followers,
       o.text, o.url, o.addressed, o.score, o.score_parts, o.state, o.said_at, o.found_at, o.expires_at,
       o.in_reply_to_id, o.conversation_id,
       r.id AS reply_id, r.state AS reply_state, r.text AS reply_text, r.remote_id AS reply_remote_id
  FROM engagement_opportunities o
  JOIN accounts a ON a.id = o.account_id
  LEFT JOIN LATERAL (SELECT id, state, text, remote_id FROM engagement_replies
                      WHERE opportunity_id = o.id ORDER BY state <> 'failed' DESC, confirmed_at DESC LIMIT 1) r ON true
 WHERE o.id = %(id)s;

-- name: triage
-- The user's answer for an open opportunity (new, yes or skipped ones may be answered again).
UPDATE engagement_opportunities SET state = %(state)s, triaged_at = %(now)s
 WHERE id = %(id)s AND state IN ('new', 'yes', 'skipped') AND expires_at > %(now)s
RETURNING id;

-- name: expire_opportunities
UPDATE engagement_opportunities SET state = 'expired'
 WHERE state IN ('new', 'yes', 'skipped') AND expires_at <= %(now)s;

-- name: to_notify
-- New high-score opportunities not yet notified.
SELECT o.id, o.platform, o.author_handle, o.text, o.score, a.handle
  FROM engagement_opportunities o JOIN accounts a ON a.id = o.account_id
 WHERE o.member_id = %(member)s AND o.state = 'new' AND o.notified_at IS NULL AND o.score >= %(threshold)s;

-- name: mark_notified
UPDATE engagement_opportunities SET notified_at = %(now)s WHERE id = ANY (%(ids)s);

-- name: replies_today
-- Replies confirmed on one platform since the start of the user's day (failed ones do not count).
SELECT count(*) FROM engagement_replies
 WHERE member_id = %(member)s AND platform = %(platform)s AND confirmed_at >= %(since)s AND state <> 'failed';

-- name: last_reply_to_author
SELECT max(confirmed_at) FROM engagement_replies
 WHERE member_id = %(member)s AND platform = %(platform)s AND author_id = %(author_id)s AND state <> 'failed';

-- name: author_of
SELECT author_id FROM engagement_opportunities WHERE id = %(id)s;

-- name: lock_member_platform
-- Serialises confirms of one member on one platform for the transaction: the daily cap and the author
-- cooldown are checked and the reply inserted under it.
SELECT pg_advisory_xact_lock(hashtext('psn-engage-reply'), hashtext(%(member)s::text || ':' || %(platform)s));

-- name: insert_reply
INSERT INTO engagement_replies (member_id, opportunity_id, account_id, platform, in_reply_to, author_id, text,
                                idempotency_key, confirmed_at)
VALUES (%(member)s, %(opportunity)s, %(account)s, %(platform)s, %(in_reply_to)s, %(author_id)s, %(text)s,
        %(key)s || (SELECT CASE WHEN count(*) = 0 THEN '' ELSE ':' || count(*) END
                      FROM engagement_replies WHERE opportunity_id = %(opportunity)s), %(now)s)
ON CONFLICT (opportunity_id) WHERE state <> 'failed' DO NOTHING
RETURNING id;

-- name: add_reply_lease
INSERT INTO engagement_reply_leases (reply_id, member_id) VALUES (%(reply)s, %(member)s) ON CONFLICT DO NOTHING;

-- name: take_reply_lease
SELECT reply_id FROM engagement_reply_leases WHERE reply_id = %(reply)s FOR UPDATE NOWAIT;

-- name: reply
SELECT r.id, r.opportunity_id, r.account_id, r.platform, r.in_reply_to, r.text, r.idempotency_key, r.state,
       r.remote_id, r.attempts, r.error_message, r.confirmed_at, r.sending_at, r.sent_at, r.outcome, a.handle
  FROM engagement_replies r JOIN accounts a ON a.id = r.account_id
 WHERE r.id = %(id)s;

-- name: open_replies
-- Replies confirmed and not settled: what the worker sends (or reconciles) when nobody is on them.
SELECT id FROM engagement_replies
 WHERE member_id = %(member)s AND state IN ('confirmed', 'sending', 'unknown')
 ORDER BY confirmed_at;

-- name: reply_sending
UPDATE engagement_replies SET state = 'sending', sending_at = %(now)s, attempts = attempts + 1
 WHERE id = %(id)s AND state IN ('confirmed', 'unknown', 'sending');

-- name: reply_sent
UPDATE engagement_replies SET state = 'sent', remote_id = %(remote_id)s, sent_at = %(now)s, error_class = NULL,
       error_message = NULL
 WHERE id = %(id)s;

-- name: reply_settled_opportunity
UPDATE engagement_opportunities SET state = 'replied' WHERE id = %(opportunity)s;

-- name: reply_unsettled
-- unknown (no answer came back; reconcile first) or failed (the platform said no; nothing went out).
UPDATE engagement_replies SET state = %(state)s, error_class = %(error_class)s, error_message = %(detail)s
 WHERE id = %(id)s;

-- name: replies_for_outcome
-- Sent replies under 7 days old whose outcome is due (none yet, or the last one over an hour old).
SELECT r.id, r.account_id, r.platform, r.in_reply_to, r.remote_id, r.outcome, r.answered_at, a.handle
  FROM engagement_replies r JOIN accounts a ON a.id = r.account_id
 WHERE r.member_id = %(member)s AND r.state = 'sent' AND r.sent_at > %(since)s
   AND (r.outcome_at IS NULL OR r.outcome_at < %(due)s);

-- name: save_outcome
UPDATE engagement_replies SET outcome = %(outcome)s, outcome_at = %(now)s,
       answered_at = CASE WHEN %(answered)s THEN coalesce(answered_at, %(now)s) ELSE answered_at END
 WHERE id = %(id)s;

-- name: reply_remote_ids
-- Remote ids of the member's sent replies (a mention answering one of them is a reply to the user's reply).
SELECT remote_id FROM engagement_replies
 WHERE member_id = %(member)s AND platform = %(platform)s AND state = 'sent' AND remote_id = ANY (%(ids)s);

-- name: no_idle_timeout
-- A reply's sender may wait on a platform for minutes while its lease is held.
SET LOCAL idle_in_transaction_session_timeout = 0;

-- name: failed_replies
-- Replies confirmed since a moment that failed (the platform said no) or are unknown (psn reconciles them).
SELECT count(*) FROM engagement_replies
 WHERE member_id = %(member)s AND confirmed_at >= %(since)s AND state IN ('failed', 'unknown');

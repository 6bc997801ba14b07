-- The posting wing's queries: posts and their targets, saved drafts, publishing (claim, lease, ledger,
-- outcomes), media uploads, the watchdog and pruning. Loaded once by Queries.load(__package__).

-- === posts and targets (posts.py) ===========================================================

-- name: account_of_member
-- The platform, handle, status and sandbox flag of one of the member's connected accounts.
SELECT platform, handle, status, sandbox FROM accounts WHERE id = %(account_id)s AND member_id = %(member_id)s;

-- name: insert_post
-- A new post (its targets follow); returns its id.
INSERT INTO posts (member_id, idea, language, persona, origin, timezone, ttl_seconds)
VALUES (%(member_id)s, %(idea)s, %(language)s, %(persona)s, %(origin)s, %(timezone)s, %(ttl_seconds)s)
RETURNING id;

-- name: insert_target
-- One target of a new post, in draft, with its rendering.
INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering)
VALUES (%(post_id)s, %(member_id)s, %(account_id)s, %(platform)s, %(rendering)s);

-- name: post
-- One of the member's posts (without its targets).
SELECT id, idea, language, persona, timezone, local_time, scheduled_at
  FROM posts WHERE id = %(post_id)s AND member_id = %(member_id)s;

-- name: targets_of_post
-- The targets of a post, by platform then creation.
SELECT t.id, t.post_id, t.account_id, t.platform, a.handle, t.status, t.due_at, t.next_attempt_at, t.attempts,
       t.remote_ids, t.remote_url, t.private_only, t.error_class, t.error_message, t.error_action,
       t.published_at, t.lateness_ms, t.rendering
  FROM post_targets t JOIN accounts a ON a.id = t.account_id
 WHERE t.post_id = %(post_id)s
 ORDER BY t.platform, t.created_at;

-- name: target
-- One of the member's targets.
SELECT t.id, t.post_id, t.account_id, t.platform, a.handle, t.status, t.due_at, t.next_attempt_at, t.attempts,
       t.remote_ids, t.remote_url, t.private_only, t.error_class, t.error_message, t.error_action,
       t.published_at, t.lateness_ms, t.rendering
  FROM post_targets t JOIN accounts a ON a.id = t.account_id
 WHERE t.id = %(target_id)s AND t.member_id = %(member_id)s;

-- name: targets_in_states
-- The member's targets in the given states (due at or after `since` when it is set), soonest first.
SELECT t.id, t.post_id, t.account_id, t.platform, a.handle, t.status, t.due_at, t.next_attempt_at, t.attempts,
       t.remote_ids, t.remote_url, t.private_only, t.error_class, t.error_message, t.error_action,
       t.published_at, t.lateness_ms, t.rendering
  FROM post_targets t JOIN accounts a ON a.id = t.account_id
 WHERE t.member_id = %(member_id)s AND t.status = ANY(%(statuses)s)
   AND (%(since)s::timestamptz IS NULL OR t.due_at >= %(since)s)
 ORDER BY coalesce(t.next_attempt_at, t.due_at), t.platform
 LIMIT %(limit)s;

-- name: calendar_targets
-- Targets due in [start, end), whatever their state except cancelled (the calendar, calendar.py), with the
-- post's persona and idea, the first part's text and the author (NULL when the hub does not show them).
-- `member_id` narrows to one member's targets (the personal hub); NULL leaves it to the hub's row-level
-- security (a company hub: an editor sees every post, a contributor the posts they wrote).
SELECT t.id, t.post_id, t.account_id, t.platform, a.handle, t.status, t.due_at, t.published_at,
       t.error_message, t.error_action, p.persona, p.idea, m.display_name AS author,
       coalesce(t.rendering->'parts'->0->>'text', '') AS text, jsonb_array_length(t.rendering->'parts') AS parts
  FROM post_targets t JOIN posts p ON p.id = t.post_id JOIN accounts a ON a.id = t.account_id
  LEFT JOIN members m ON m.id = p.author_id
 WHERE (%(member_id)s::uuid IS NULL OR t.member_id = %(member_id)s::uuid)
   AND t.due_at >= %(start)s AND t.due_at < %(end)s AND t.status <> 'cancelled'
 ORDER BY t.due_at, t.platform, a.handle;

-- name: set_post_time
-- The time a post is scheduled for, in UTC and as the user's wall clock in their zone.
UPDATE posts SET scheduled_at = %(utc)s, local_time = %(local)s, timezone = %(zone)s, updated_at = now()
 WHERE id = %(post_id)s AND member_id = %(member_id)s;

-- name: schedule_targets
-- (Re)schedule every target of a post still in draft or scheduled; its old queue entry is forgotten.
UPDATE post_targets SET status = 'scheduled', due_at = %(utc)s, next_attempt_at = %(utc)s, run_id = NULL,
       updated_at = now()
 WHERE post_id = %(post_id)s AND status IN ('draft', 'scheduled');

-- name: scheduled_targets_of_post
-- The targets of a post waiting in the queue, with the time they are due.
SELECT id, next_attempt_at FROM post_targets WHERE post_id = %(post_id)s AND status = 'scheduled';

-- name: set_run_id
-- Remember the queue entry that will publish a target.
UPDATE post_targets SET run_id = %(run_id)s WHERE id = %(target_id)s;

-- name: cancel_targets
-- Cancel the targets of a post that have not started publishing.
UPDATE post_targets SET status = 'cancelled', updated_at = now()
 WHERE post_id = %(post_id)s AND status IN ('draft', 'scheduled');

-- name: retry_target
-- Put a failed, expired or needs-attention target back in the queue, due `now`, its error cleared.
UPDATE post_targets SET status = 'scheduled', due_at = %(now)s, next_attempt_at = %(now)s, error_class = NULL,
       error_message = NULL, error_action = NULL, updated_at = now()
 WHERE id = %(target_id)s AND member_id = %(member_id)s AND status IN ('failed', 'expired', 'needs_attention');

-- name: post_ids_by_prefix
-- At most two of the member's posts whose id starts with `prefix` (a LIKE pattern).
SELECT id FROM posts WHERE member_id = %(member_id)s AND id::text LIKE %(prefix)s LIMIT 2;

-- name: target_ids_by_prefix
-- At most two of the member's targets whose id starts with `prefix` (a LIKE pattern).
SELECT id FROM post_targets WHERE member_id = %(member_id)s AND id::text LIKE %(prefix)s LIMIT 2;

-- name: target_error_raw
-- The raw platform body of a target's last error (secrets already masked).
SELECT error_raw FROM post_targets WHERE id = %(target_id)s;

-- name: ledger_of_target
-- Every publishing attempt of a target, part by part.
SELECT part_index, attempt, state, remote_id, error_class, detail, started_at, finished_at
  FROM publish_ledger WHERE target_id = %(target_id)s ORDER BY part_index, attempt;

-- === saved drafts and previews (saved_drafts.py, confirmations.py) ============================

-- name: draft_post_ids
-- The member's posts with a target still in draft.
SELECT DISTINCT post_id FROM post_targets WHERE member_id = %(member_id)s AND status = 'draft';

-- name: member_display_name
-- The name a member posts as.
SELECT display_name FROM members WHERE id = %(member_id)s;

-- === publishing (publishing.py, leases.py, ledger.py) ========================================

-- name: claim_target
-- A target with its post's TTL and zone and its account's handle, locked for the claim.
SELECT t.id, t.account_id, t.platform, t.status, t.due_at, t.next_attempt_at, t.attempts, t.remote_ids,
       t.rendering, p.ttl_seconds, p.timezone, a.handle
  FROM post_targets t JOIN posts p ON p.id = t.post_id JOIN accounts a ON a.id = t.account_id
 WHERE t.id = %(target_id)s
   FOR UPDATE OF t;

-- name: start_publishing
-- The claim: scheduled -> publishing, one more attempt.
UPDATE post_targets SET status = 'publishing', attempts = attempts + 1, publishing_started_at = %(now)s,
       updated_at = now()
 WHERE id = %(target_id)s;

-- name: expire_target
-- A target too late to go out: expired, with the sentence and the fix.
UPDATE post_targets SET status = 'expired', error_class = 'Expired', error_message = %(message)s,
       error_action = %(action)s, updated_at = now()
 WHERE id = %(target_id)s;

-- name: needs_attention
-- A target a person must look at, with the error's class, sentence and fix.
UPDATE post_targets SET status = 'needs_attention', error_class = %(error_class)s, error_message = %(message)s,
       error_action = %(action)s, updated_at = now()
 WHERE id = %(target_id)s;

-- name: add_lease
-- The lease row of one of the member's own targets (the first publish of a target creates it).
INSERT INTO publish_leases (target_id, member_id)
SELECT id, member_id FROM post_targets WHERE id = %(target_id)s AND member_id = %(member_id)s
ON CONFLICT (target_id) DO NOTHING;

-- name: take_lease
-- Take a target's publishing lease: lock its row for the rest of the transaction, or fail at once
-- (LockNotAvailable) when another session holds it. No row: not one of the member's targets.
SELECT target_id FROM publish_leases WHERE target_id = %(target_id)s FOR UPDATE NOWAIT;

-- name: no_idle_timeout
-- A lease's transaction may stay idle while the platform answers: never end it for that.
SELECT set_config('idle_in_transaction_session_timeout', '0', true);

-- name: lock_wait
-- The longest this transaction waits for a lock from now on ('0': no limit).
SELECT set_config('lock_timeout', %(wait)s, true);

-- name: lock_target
-- The target's own row, locked (the watchdog's check that nobody else holds it).
SELECT status FROM post_targets WHERE id = %(target_id)s FOR UPDATE;

-- name: remote_ids_of_target
-- The remote ids of the parts of a target already live.
SELECT remote_ids FROM post_targets WHERE id = %(target_id)s;

-- name: last_ledger_attempt
-- The latest attempt to publish one part of a target.
SELECT id, state, started_at FROM publish_ledger
 WHERE target_id = %(target_id)s AND part_index = %(part_index)s
 ORDER BY attempt DESC LIMIT 1;

-- name: settle_ledger
-- Settle an attempt left sending or unknown, after reading the account's recent posts.
UPDATE publish_ledger SET state = %(state)s, remote_id = %(remote_id)s, finished_at = %(now)s WHERE id = %(id)s;

-- name: append_remote_id
-- One more part of a target is live.
UPDATE post_targets SET remote_ids = array_append(remote_ids, %(remote_id)s) WHERE id = %(target_id)s;

-- name: mark_published
-- Published: its URL, whether it is private, and how late its first request left.
UPDATE post_targets SET status = 'published', published_at = %(now)s, remote_url = %(url)s,
       private_only = %(private_only)s, error_class = NULL, error_message = NULL, error_action = NULL,
       lateness_ms = (extract(epoch FROM coalesce(first_request_at, %(now)s) - due_at) * 1000)::int,
       updated_at = now()
 WHERE id = %(target_id)s;

-- name: lock_target_status
-- The target's status, locked until the failure is recorded (the watchdog may have handed it over).
SELECT status FROM post_targets WHERE id = %(target_id)s FOR UPDATE;

-- name: retry_later
-- A failure worth retrying: back in the queue at `retry_at`, the error kept for the user.
UPDATE post_targets SET status = 'scheduled', next_attempt_at = %(retry_at)s, error_class = %(error_class)s,
       error_message = %(message)s, error_action = %(action)s, error_raw = %(raw)s, updated_at = now()
 WHERE id = %(target_id)s;

-- name: mark_failed
-- A failure not retried: failed or needs_attention, with the platform's words.
UPDATE post_targets SET status = %(status)s, error_class = %(error_class)s, error_message = %(message)s,
       error_action = %(action)s, error_raw = %(raw)s, updated_at = now()
 WHERE id = %(target_id)s;

-- name: next_ledger_attempt
-- The number of the next attempt at one part of a target.
SELECT coalesce(max(attempt), 0) + 1 FROM publish_ledger
 WHERE target_id = %(target_id)s AND part_index = %(part_index)s;

-- name: insert_ledger
-- An attempt, committed as sending before its request leaves; returns its id.
INSERT INTO publish_ledger (member_id, target_id, part_index, idempotency_key, attempt, state, started_at)
VALUES (%(member_id)s, %(target_id)s, %(part_index)s, %(idempotency_key)s, %(attempt)s, 'sending', %(now)s)
RETURNING id;

-- name: first_request_at
-- When the first request of a target left (kept from the first attempt).
UPDATE post_targets SET first_request_at = coalesce(first_request_at, %(now)s) WHERE id = %(target_id)s;

-- name: finish_ledger
-- How an attempt ended: its state, the remote id or the error.
UPDATE publish_ledger SET state = %(state)s, remote_id = %(remote_id)s, error_class = %(error_class)s,
       detail = %(detail)s, finished_at = %(now)s
 WHERE id = %(id)s;

-- === media uploads (media_uploads.py) ========================================================

-- name: upload_state
-- The stored state of one media item's upload.
SELECT state, deadline, session, remote_media_id, error FROM media_uploads
 WHERE target_id = %(target_id)s AND part_index = %(part_index)s AND media_index = %(media_index)s;

-- name: save_upload
-- Record an upload step; a step without a session or remote id keeps the stored one.
INSERT INTO media_uploads (member_id, target_id, part_index, media_index, path, state, deadline,
                           session, remote_media_id, error)
VALUES (%(member_id)s, %(target_id)s, %(part_index)s, %(media_index)s, %(path)s, %(state)s, %(deadline)s,
        %(session)s, %(remote_media_id)s, %(error)s)
ON CONFLICT (target_id, part_index, media_index) DO UPDATE SET
    state = EXCLUDED.state,
    session = COALESCE(EXCLUDED.session, media_uploads.session),
    remote_media_id = COALESCE(EXCLUDED.remote_media_id, media_uploads.remote_media_id),
    error = EXCLUDED.error, updated_at = now();

-- name: mark_uploads_published
-- The ready uploads of a target went out with it.
UPDATE media_uploads SET state = 'PUBLISHED', updated_at = now() WHERE target_id = %(target_id)s AND state = 'READY';

-- === the watchdog (watchdog.py) ==============================================================

-- name: overdue_targets
-- Targets still scheduled past `before` (their queue entry was lost, or something holds them).
SELECT id, next_attempt_at FROM post_targets
 WHERE member_id = %(member_id)s AND status = 'scheduled' AND next_attempt_at < %(before)s;

-- name: unqueued_targets
-- The member's scheduled targets nobody queued (scheduled or approved by another member, who cannot
-- write into this member's queue), not yet overdue: queued now for their time.
SELECT id, next_attempt_at FROM post_targets
 WHERE member_id = %(member_id)s AND status = 'scheduled' AND run_id IS NULL AND next_attempt_at >= %(before)s;

-- name: target_status
-- A target's status, read without a lock.
SELECT status FROM post_targets WHERE id = %(target_id)s;

-- name: notify_blocked
-- Tell the owner and the author of a target nobody can take that it is held (once each; the hub writes it).
SELECT psn_notify_publish_blocked(%(target_id)s);

-- name: publishing_targets
-- Targets publishing now, with what the watchdog needs to tell a dead publisher from a stuck one (and the
-- latest deadline of a media upload still under way: until then a live publisher is waiting, not stuck).
SELECT t.id, t.platform, t.publishing_started_at, t.rendering, a.handle,
       (SELECT max(u.deadline) FROM media_uploads u
         WHERE u.target_id = t.id AND u.state IN ('INITIALIZED', 'UPLOADING', 'PROCESSING')) AS upload_deadline
  FROM post_targets t JOIN accounts a ON a.id = t.account_id
 WHERE t.member_id = %(member_id)s AND t.status = 'publishing';

-- name: resume_target
-- A publishing target whose publisher died goes back to the queue, due `now` (it resumes from its ledger).
UPDATE post_targets SET status = 'scheduled', next_attempt_at = %(now)s, updated_at = now()
 WHERE id = %(target_id)s AND status = 'publishing';

-- name: mark_stuck
-- A target publishing too long while its lease is held: needs_attention.
UPDATE post_targets SET status = 'needs_attention', error_class = 'Stuck', error_message = %(message)s,
       error_action = %(action)s, updated_at = now()
 WHERE id = %(target_id)s AND status = 'publishing';

-- === pruning (pruning.py) ====================================================================

-- name: media_in_use
-- Each media file of the member's targets, and whether any of them still needs it.
SELECT m->>'path' AS path,
       bool_or(t.status <> 'published' OR t.published_at > %(published_before)s) AS still_needed
  FROM post_targets t,
       jsonb_array_elements(t.rendering->'parts') AS p,
       jsonb_array_elements(p->'media') AS m
 WHERE t.member_id = %(member_id)s AND t.status <> 'cancelled'
 GROUP BY 1;

-- name: prune_uploads
-- Forget upload state of dead targets (and unpublished leftovers of published ones) untouched since `before`.
DELETE FROM media_uploads u USING post_targets t
 WHERE u.target_id = t.id AND u.member_id = %(member_id)s AND u.updated_at < %(before)s AND u.state <> 'PUBLISHED'
   AND t.status IN ('cancelled', 'failed', 'expired', 'published');

-- name: prune_published_drafts
-- Compact the renderings of targets published before `cutoff` to the first part's text and the post's shape.
WITH due AS (
    SELECT id, rendering FROM post_targets
     WHERE member_id = %(member_id)s AND status = 'published' AND published_at < %(cutoff)s
       AND NOT rendering ? 'pruned_at'
), parts AS (
    SELECT due.id, x.i,
           jsonb_build_object(
               'text', CASE WHEN x.i = 1 THEN x.part->'text' ELSE '""'::jsonb END,
               'media', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                      'path', '', 'kind', m->'kind', 'mime_type', m->'mime_type',
                                      'size_bytes', m->'size_bytes'))
                                    FROM jsonb_array_elements(x.part->'media') AS m), '[]')) AS part
      FROM due, jsonb_array_elements(due.rendering->'parts') WITH ORDINALITY AS x(part, i)
)
UPDATE post_targets t
   SET rendering = jsonb_build_object(
           'parts', (SELECT jsonb_agg(p.part ORDER BY p.i) FROM parts p WHERE p.id = t.id),
           'article_url', due.rendering->'article_url',
           'title', due.rendering->'title',
           'pruned_at', to_jsonb(%(now)s::timestamptz)),
       updated_at = now()
  FROM due
 WHERE t.id = due.id;

-- === media carried in the hub (media_blobs.py) ==============================================

-- name: store_blob
-- Keep a media file's bytes in the hub under its digest (the hub checks that they hash to it).
INSERT INTO media_blobs (digest, member_id, ext, data)
VALUES (%(digest)s, psn_current_member(), %(ext)s, %(data)s)
ON CONFLICT (digest, member_id) DO NOTHING;

-- name: blob
-- The bytes stored under a digest, by anyone the caller may read (themselves; approvers: every author).
SELECT data FROM media_blobs WHERE digest = %(digest)s LIMIT 1;

-- name: parts_in_flight
-- The parts of a target whose latest ledger attempt may have gone out unrecorded (sending or unknown).
SELECT coalesce(array_agg(part_index ORDER BY part_index), '{}') FROM (
    SELECT DISTINCT ON (part_index) part_index, state FROM publish_ledger
     WHERE target_id = %(target_id)s ORDER BY part_index, attempt DESC
) latest WHERE state IN ('sending', 'unknown');

-- name: calendar_accounts
-- The accounts a calendar offers empty slots on: connected ones (a reconnect pending included).
-- `member_id` narrows to one member's (the personal hub); NULL: every account the hub shows (a company's).
SELECT id, platform, handle FROM accounts
 WHERE (%(member_id)s::uuid IS NULL OR member_id = %(member_id)s::uuid) AND status IN ('active', 'needs_reauth')
 ORDER BY platform, handle;

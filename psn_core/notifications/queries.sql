-- Notifications: the record (stored first, deduplicated, acknowledged), delivery attempts, the daily
-- digest, each member's preferences and the transport's health. Row-level security keeps each member
-- to their own rows; every query runs inside hub.transaction(member_id).

-- name: lock_key
-- Serialise work on one key (a dedup key or the digest) for the rest of the transaction.
SELECT pg_advisory_xact_lock(hashtextextended(%(key)s, 0));

-- name: lock_timeout
-- The transaction's lock wait limit now.
SELECT current_setting('lock_timeout');

-- name: set_lock_timeout
-- The longest this transaction waits for a lock from now on ('0': no limit).
SELECT set_config('lock_timeout', %(wait)s, true);

-- name: repeat
-- Count a repeat on the newest unacknowledged notification with this dedup key within the window.
UPDATE notifications SET repeat_count = repeat_count + 1, last_seen_at = %(now)s
 WHERE id = (SELECT id FROM notifications
              WHERE member_id = %(member)s AND dedup_key = %(key)s AND acknowledged_at IS NULL
                AND created_at > %(since)s
              ORDER BY id DESC LIMIT 1)
RETURNING id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count,
          created_at, last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date;

-- name: insert
-- Store a new notification.
INSERT INTO notifications (member_id, tier, kind, dedup_key, title, body, action, state, created_at, last_seen_at)
VALUES (%(member)s, %(tier)s, %(kind)s, %(key)s, %(title)s, %(body)s, %(action)s, %(state)s, %(now)s, %(now)s)
RETURNING id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count,
          created_at, last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date;

-- name: get
-- One notification of the member.
SELECT id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count,
       created_at, last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date
  FROM notifications WHERE member_id = %(member)s AND id = %(id)s;

-- name: queued_ids
-- Ids waiting for a transport, oldest first.
SELECT id FROM notifications WHERE member_id = %(member)s AND state = 'queued' ORDER BY id;

-- name: lock_queued
-- The notification if it is still queued, locked (another worker holding it skips it).
SELECT id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count,
       created_at, last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date
  FROM notifications WHERE member_id = %(member)s AND id = %(id)s AND state = 'queued'
   FOR UPDATE SKIP LOCKED;

-- name: listed
-- The member's notifications, oldest first: the unacknowledged ones, or all of them.
SELECT id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count,
       created_at, last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date
  FROM notifications WHERE member_id = %(member)s AND (%(all)s OR acknowledged_at IS NULL)
 ORDER BY id;

-- name: pending_critical
-- Critical notifications neither acknowledged nor delivered, oldest first.
SELECT id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count,
       created_at, last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date
  FROM notifications
 WHERE member_id = %(member)s AND tier = 'critical' AND acknowledged_at IS NULL AND delivered_at IS NULL
 ORDER BY id;

-- name: acknowledge_all
-- Mark every unacknowledged notification of the member as seen.
UPDATE notifications SET acknowledged_at = %(now)s WHERE member_id = %(member)s AND acknowledged_at IS NULL;

-- name: existing_ids
-- Which of these ids are the member's.
SELECT id FROM notifications WHERE member_id = %(member)s AND id = ANY(%(ids)s);

-- name: acknowledge
-- Mark these notifications as seen (already acknowledged ones keep their time).
UPDATE notifications SET acknowledged_at = %(now)s
 WHERE member_id = %(member)s AND id = ANY(%(ids)s) AND acknowledged_at IS NULL;

-- name: mark_delivered
-- A transport took the notification.
UPDATE notifications SET state = 'delivered', delivered_at = %(now)s, held_reason = NULL WHERE id = %(id)s;

-- name: mark_held
-- The notification waits (quiet hours, daily cap, transport down), with why.
UPDATE notifications SET state = 'held', held_reason = %(reason)s WHERE id = %(id)s;

-- name: record_attempt
-- One push attempt: sent with the provider's message id, or failed with the error.
INSERT INTO delivery_attempts (notification_id, member_id, transport, status, provider_message_id, error, attempted_at)
VALUES (%(notification)s, %(member)s, %(transport)s, %(status)s, %(provider_message_id)s, %(error)s, %(now)s)
RETURNING id, notification_id, transport, status, provider_message_id, error, attempted_at;

-- name: attempts
-- Delivery attempts of the member (of one notification when given), oldest first.
SELECT id, notification_id, transport, status, provider_message_id, error, attempted_at
  FROM delivery_attempts
 WHERE member_id = %(member)s AND (%(notification)s::bigint IS NULL OR notification_id = %(notification)s)
 ORDER BY id;

-- name: sent_today
-- Non-critical notifications delivered between the member's local midnight and now.
SELECT count(*) FROM notifications
 WHERE member_id = %(member)s AND tier <> 'critical' AND delivered_at >= %(since)s AND delivered_at <= %(now)s;

-- name: member_zone
-- The member's IANA zone.
SELECT timezone FROM members WHERE id = %(member)s;

-- name: get_prefs
-- The member's notification preferences.
SELECT transport, recipient, quiet_start, quiet_end, threshold, daily_cap, digest_hour
  FROM notification_prefs WHERE member_id = %(member)s;

-- name: save_prefs
-- Store the member's notification preferences.
INSERT INTO notification_prefs (member_id, transport, recipient, quiet_start, quiet_end, threshold,
                                daily_cap, digest_hour)
VALUES (%(member)s, %(transport)s, %(recipient)s, %(quiet_start)s, %(quiet_end)s, %(threshold)s,
        %(daily_cap)s, %(digest_hour)s)
ON CONFLICT (member_id) DO UPDATE SET
    transport = EXCLUDED.transport, recipient = EXCLUDED.recipient, quiet_start = EXCLUDED.quiet_start,
    quiet_end = EXCLUDED.quiet_end, threshold = EXCLUDED.threshold, daily_cap = EXCLUDED.daily_cap,
    digest_hour = EXCLUDED.digest_hour, updated_at = now();

-- name: get_health
-- The member's transport health.
SELECT transport, consecutive_failures, backlog_since, last_ping_at, last_ok_at, last_error
  FROM transport_health WHERE member_id = %(member)s;

-- name: lock_health
-- The member's transport health, locked for an update.
SELECT transport, consecutive_failures, backlog_since, last_ping_at, last_ok_at, last_error
  FROM transport_health WHERE member_id = %(member)s FOR UPDATE;

-- name: save_health
-- Store the member's transport health.
INSERT INTO transport_health (member_id, transport, consecutive_failures, backlog_since, last_ping_at,
                              last_ok_at, last_error)
VALUES (%(member)s, %(transport)s, %(consecutive_failures)s, %(backlog_since)s, %(last_ping_at)s,
        %(last_ok_at)s, %(last_error)s)
ON CONFLICT (member_id) DO UPDATE SET
    transport = EXCLUDED.transport, consecutive_failures = EXCLUDED.consecutive_failures,
    backlog_since = EXCLUDED.backlog_since, last_ping_at = EXCLUDED.last_ping_at,
    last_ok_at = EXCLUDED.last_ok_at, last_error = EXCLUDED.last_error;

-- name: insert_digest
-- Store the day's digest, queued for the transport.
INSERT INTO notifications (member_id, tier, kind, dedup_key, title, body, action, state,
                           created_at, last_seen_at, digest_local_date)
VALUES (%(member)s, %(tier)s, %(kind)s, %(key)s, %(title)s, %(body)s, %(action)s, 'queued', %(now)s, %(now)s,
        %(day)s)
RETURNING id;

-- name: mark_digested
-- The items a digest carries.
UPDATE notifications SET state = 'digested', digest_id = %(digest)s WHERE member_id = %(member)s AND id = ANY(%(ids)s);

-- name: digest_exists
-- Whether the member already has a digest for this local day.
SELECT EXISTS (SELECT 1 FROM notifications WHERE member_id = %(member)s AND digest_local_date = %(day)s);

-- Company hubs: members and roles, invites, the brand voice and the approval workflow. Every query
-- runs on one company hub connection; the hub's RLS policies (migration 0009) enforce roles, and
-- psn_current_member() / psn_member_role() resolve the caller from its login role (migration 0012; a
-- member not moved over yet: psn_app with psn.member_id and psn.member_key).

-- name: set_member_key
-- Act with the member's key for the rest of the transaction.
SELECT set_config('psn.member_key', %(key)s, true);

-- name: member_role
-- The caller's role, or NULL when not an active member (removed, wrong key).
SELECT psn_member_role();

-- name: my_name
-- The caller's display name.
SELECT display_name FROM members WHERE id = psn_current_member();

-- name: current_member
-- The caller's member id.
SELECT psn_current_member();

-- name: member_name
-- A member's display name.
SELECT display_name FROM members WHERE id = %(member)s;

-- name: company_slug
-- The company this hub belongs to, if any.
SELECT company_slug FROM hub_info;

-- name: company_name
-- The company's display name.
SELECT company_name FROM hub_info;

-- name: hub_identity
-- The database name and the company's display name, for the connection file.
SELECT current_database() AS database, (SELECT company_name FROM hub_info) AS name;

-- name: can_create_roles
-- Whether the owner connection may create the members' login roles.
SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user;

-- name: whoami
-- The role this connection is.
SELECT current_user::text;

-- name: company_roles
-- The hub's group roles (owner; idempotent); returns the prefix of its role names.
SELECT public.psn_company_roles();

-- name: create_login
-- A member's own login role, from the verifier of a password the hub never sees (owner).
SELECT public.psn_create_login(%(member)s, %(verifier)s)::text;

-- name: reconnect
-- A member still on psn_app, proven by their key, gets a login role of their own; the key is forgotten.
SELECT public.psn_reconnect(%(verifier)s)::text;

-- name: members_on_app_role
-- Active members without a login role of their own (joined before migration 0012).
SELECT m.display_name FROM members m
 WHERE m.removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM member_logins l WHERE l.member_id = m.id)
 ORDER BY m.created_at;

-- name: end_app_sessions
-- psn_app's open sessions on this company hub end (it just lost CONNECT).
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE usename = 'psn_app' AND datname = current_database();

-- name: invite_login
-- The invite's own login role (password: the code, as a verifier), valid until the invite expires.
SELECT public.psn_invite_login(%(id)s, %(verifier)s)::text;

-- name: join
-- Join with an invite, in autocommit: the request is committed before the hub judges it.
CALL public.psn_join(%(code)s, %(verifier)s, %(name)s, %(timezone)s, NULL, NULL, NULL, NULL);

-- name: mark_company
-- Mark a freshly migrated hub as a company's.
INSERT INTO hub_info (kind, company_slug, company_name) VALUES ('company', %(slug)s, %(name)s);

-- name: insert_admin
-- The company's first admin.
INSERT INTO members (id, display_name, timezone, role, key_hash)
VALUES (%(id)s, %(name)s, %(timezone)s, 'admin', %(key_hash)s);

-- name: list_members
-- The roster the caller may see (removed members only when asked).
SELECT id, display_name, role, timezone, created_at, removed_at FROM members
 WHERE %(include_removed)s OR removed_at IS NULL ORDER BY created_at, display_name;

-- name: find_member
-- Members whose display name is the reference, or whose id starts with it (6+ characters).
SELECT id, display_name, role, timezone, created_at, removed_at FROM members
 WHERE lower(display_name) = lower(%(ref)s) OR (length(%(ref)s) >= 6 AND id::text LIKE %(prefix)s) LIMIT 2;

-- name: active_admins
-- How many active owners and admins the company has.
SELECT count(*) FROM members WHERE role IN ('owner', 'admin') AND removed_at IS NULL;

-- name: set_role
-- Change a member's role (the hub lets only admins).
UPDATE members SET role = %(role)s, updated_at = now() WHERE id = %(id)s;

-- name: remove_member
-- Remove a member (the hub lets only admins).
UPDATE members SET removed_at = %(now)s, updated_at = now() WHERE id = %(id)s;

-- name: invite_ttl_days
-- How long new invite codes stay valid.
SELECT invite_ttl_days FROM hub_info;

-- name: create_invite
-- A single-use invite; the hub keeps the code's hash only.
INSERT INTO invites (code_hash, role, note, expires_at) VALUES (%(code_hash)s, %(role)s, %(note)s, %(expires_at)s)
RETURNING id, expires_at;

-- name: list_invites
-- Every invite, newest first.
SELECT id, role, note, created_at, expires_at, used_at, revoked_at FROM invites ORDER BY created_at DESC;

-- name: revoke_invite
-- Revoke the unused invites whose id starts with the reference (6+ characters).
UPDATE invites SET revoked_at = %(now)s
 WHERE id::text LIKE %(prefix)s AND used_at IS NULL AND revoked_at IS NULL AND length(%(ref)s) >= 6
RETURNING id;

-- name: save_brand
-- Store the company's brand voice (one row).
INSERT INTO company_brand (profile_yaml) VALUES (%(yaml)s) ON CONFLICT (singleton)
DO UPDATE SET profile_yaml = excluded.profile_yaml, updated_by = psn_current_member(), updated_at = now();

-- name: brand
-- The company's brand voice, as YAML.
SELECT profile_yaml FROM company_brand;

-- name: overdue_connected
-- Scheduled targets on the accounts a member connected that are overdue.
SELECT count(*) FROM post_targets t JOIN accounts a ON a.id = t.account_id
 WHERE a.member_id = %(member)s AND t.status = 'scheduled' AND t.due_at < %(before)s;

-- name: company_accounts
-- Company accounts on a platform (one handle when given), visible to every active member.
SELECT id, member_id, platform, handle, status FROM accounts
 WHERE platform = %(platform)s AND (%(handle)s = '' OR lower(handle) = lower(%(handle)s)) ORDER BY handle;

-- name: schedule_post_time
-- When a post is due, in UTC and as the author gave it.
UPDATE posts SET scheduled_at = %(utc)s, local_time = %(local)s, timezone = %(zone)s, updated_at = now()
 WHERE id = %(post)s;

-- name: submit_targets
-- Put a post's draft targets up for approval.
UPDATE post_targets SET status = 'pending_approval', due_at = %(due)s, next_attempt_at = NULL, updated_at = now()
 WHERE post_id = %(post)s AND status IN ('draft', 'pending_approval')
RETURNING id;

-- name: approval_event
-- Record a step of a post's approval (submitted, approved, rejected, expired).
INSERT INTO approval_events (post_id, event, reason) VALUES (%(post)s, %(event)s, %(reason)s);

-- name: notify_approval
-- Tell the members concerned about a step of a post's approval; the hub writes the message itself.
SELECT psn_notify_approval(%(post)s, %(kind)s);

-- name: content_hash
-- The hash of what approving the post would publish: every part's text and media, accounts, time.
SELECT psn_post_content_hash(%(post)s);

-- name: lock_post
-- Hold the post and its targets until the approval commits (an author's edit waits, then re-opens it).
SELECT t.id FROM posts p JOIN post_targets t ON t.post_id = p.id WHERE p.id = %(post)s FOR UPDATE;

-- name: settle_requests
-- The post is decided: every approver's request for it is acknowledged.
SELECT psn_settle_approval_requests(%(post)s);

-- name: pending_posts
-- Posts waiting for approval whose id starts with the reference.
SELECT DISTINCT p.id, p.member_id, p.author_id FROM posts p JOIN post_targets t ON t.post_id = p.id
 WHERE p.id::text LIKE %(prefix)s AND t.status = 'pending_approval' LIMIT 2;

-- name: expire_overdue
-- Pending targets whose time has passed are expired.
UPDATE post_targets SET status = 'expired', error_class = 'NotApproved',
       error_message = 'Nobody approved this post before its time, so it was not published.',
       error_action = 'Submit it again with a new time.', updated_at = now()
 WHERE status = 'pending_approval' AND due_at <= %(now)s
RETURNING post_id;

-- name: post_author
-- Who wrote a post.
SELECT author_id FROM posts WHERE id = %(post)s;

-- name: pending_targets
-- Every target of the posts waiting for approval (those approving would schedule), soonest first, with
-- its account, idea, author and the post's content hash.
SELECT t.id, t.post_id, t.account_id, t.platform, t.due_at, t.rendering, a.handle, p.idea,
       m.display_name AS author, psn_post_content_hash(p.id) AS content_hash
  FROM post_targets t JOIN posts p ON p.id = t.post_id
  JOIN accounts a ON a.id = t.account_id LEFT JOIN members m ON m.id = p.author_id
 WHERE t.status IN ('draft', 'pending_approval', 'scheduled')
   AND EXISTS (SELECT 1 FROM post_targets w WHERE w.post_id = p.id AND w.status = 'pending_approval')
   AND (%(post)s::uuid IS NULL OR p.id = %(post)s::uuid)
 ORDER BY p.scheduled_at, t.post_id, t.platform, t.id;

-- name: nearby
-- For every pending target, the same account's closest other posts within the window on each side.
SELECT t.id AS pending_id, o.platform, o.status, o.due_at, a.handle FROM post_targets t
  JOIN accounts a ON a.id = t.account_id
 CROSS JOIN LATERAL (
       (SELECT b.platform, b.status, b.due_at FROM post_targets b WHERE b.account_id = t.account_id
           AND b.due_at BETWEEN t.due_at - %(window)s AND t.due_at AND b.post_id <> t.post_id
           AND b.status IN ('pending_approval', 'scheduled', 'publishing', 'published')
         ORDER BY b.due_at DESC LIMIT %(each)s)
       UNION ALL
       (SELECT l.platform, l.status, l.due_at FROM post_targets l WHERE l.account_id = t.account_id
           AND l.due_at > t.due_at AND l.due_at <= t.due_at + %(window)s AND l.post_id <> t.post_id
           AND l.status IN ('pending_approval', 'scheduled', 'publishing', 'published')
         ORDER BY l.due_at LIMIT %(each)s)) o
 WHERE t.status = 'pending_approval' ORDER BY t.id, o.due_at;

-- name: post_time
-- When a post is due, as stored.
SELECT scheduled_at AS utc, local_time AS local, timezone AS zone FROM posts WHERE id = %(post)s;

-- name: unsubmit_targets
-- Return a post's pending targets to draft before it is scheduled.
UPDATE post_targets SET status = 'draft', updated_at = now() WHERE post_id = %(post)s AND status = 'pending_approval';

-- name: reject_targets
-- Cancel a post's pending targets with the approver's reason.
UPDATE post_targets SET status = 'cancelled', error_class = 'Rejected', error_message = %(reason)s,
       error_action = 'Edit the post and submit it again.', updated_at = now()
 WHERE post_id = %(post)s AND status = 'pending_approval';

-- name: unlink_slots
-- A rejected post (every target cancelled) no longer holds the claims linked to it: the claimer's next
-- post at the slot links to it.
UPDATE calendar_slots s SET post_id = NULL
 WHERE s.post_id = %(post)s
   AND NOT EXISTS (SELECT 1 FROM post_targets t WHERE t.post_id = %(post)s AND t.status <> 'cancelled');

-- name: server_version
-- The PostgreSQL version the hub runs.
SHOW server_version;

-- name: lock_account_claims
-- Claims on one account, one at a time (the transaction's lock, the one the hub's guard takes too): the
-- check of nearby claims below then sees every claim committed before it.
SELECT pg_advisory_xact_lock(hashtextextended('psn_slot:' || %(account_id)s::text, 0));

-- name: claim_slot
-- Claim a slot (an account of the hub at one instant) for the caller; nothing when it, or a claim within
-- the calendar's tolerance of it on that account, is taken (under lock_account_claims; the unique key
-- (account_id, slot_at) and the hub's guard back it up). The hub sets claimer and time.
INSERT INTO calendar_slots (account_id, platform, slot_at, note)
SELECT %(account_id)s, %(platform)s, %(at)s, %(note)s
 WHERE NOT EXISTS (SELECT 1 FROM calendar_slots s WHERE s.account_id = %(account_id)s
                      AND s.slot_at > %(at)s::timestamptz - %(tolerance)s::interval
                      AND s.slot_at < %(at)s::timestamptz + %(tolerance)s::interval)
ON CONFLICT (account_id, slot_at) DO NOTHING
RETURNING id;

-- name: slot_claims
-- Claims with their account and claimer: one (`id`), those of one account at one instant
-- (`account_id`, `at`), those whose id starts with `prefix`, or every claim in [start, end).
SELECT s.id, s.account_id, s.platform, a.handle, s.slot_at, s.claimed_by, psn_slot_holder(s.id) AS claimer,
       s.claimed_at, s.note, s.post_id, s.claimed_by = psn_current_member() AS mine
  FROM calendar_slots s JOIN accounts a ON a.id = s.account_id
 WHERE (%(id)s::uuid IS NULL OR s.id = %(id)s::uuid)
   AND (%(account_id)s::uuid IS NULL OR (s.account_id = %(account_id)s::uuid
        AND s.slot_at > %(at)s::timestamptz - %(tolerance)s::interval
        AND s.slot_at < %(at)s::timestamptz + %(tolerance)s::interval))
   AND (%(prefix)s::text IS NULL OR s.id::text LIKE %(prefix)s)
   AND (%(start)s::timestamptz IS NULL OR (s.slot_at >= %(start)s AND s.slot_at < %(end)s))
 ORDER BY s.slot_at, a.platform, a.handle;

-- name: release_slot
-- Release a claim (the hub lets only its claimer or an editor/admin delete it).
DELETE FROM calendar_slots WHERE id = %(id)s RETURNING id;

-- name: link_slots
-- The caller drafted a post for their claimed slots: every claim of theirs, not linked yet, on an
-- account the post goes to at the instant it is due there, now points to the post.
UPDATE calendar_slots s SET post_id = %(post)s
 WHERE s.post_id IS NULL AND s.claimed_by = psn_current_member()
   AND EXISTS (SELECT 1 FROM post_targets t
                WHERE t.post_id = %(post)s AND t.account_id = s.account_id AND t.due_at = s.slot_at)
RETURNING s.id;

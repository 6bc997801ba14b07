-- What psn learns: the posts, edits, ideas and followers the preference model is computed from, the
-- stored models (a member's, a company hub's brand) and the strategy proposals the user decides.

-- name: window_posts
-- Every measured post published in a window, with its local hour, weekday and Monday, pillar and topic;
-- its format is the catalog's one recorded when the post was saved, else the analytics one.
SELECT pm.post_id, pm.target_id, pm.platform,
       coalesce((SELECT pt.format FROM post_topics pt WHERE pt.post_id = pm.post_id), pm.format) AS format,
       pm.language, pm.published_at,
       extract(hour FROM pm.published_at AT TIME ZONE %(zone)s)::int AS hour,
       extract(isodow FROM pm.published_at AT TIME ZONE %(zone)s)::int AS weekday,
       date_trunc('week', pm.published_at AT TIME ZONE %(zone)s)::date AS week,
       pm.exposure, pm.weighted, lower(btrim(p.idea)) AS topic,
       (SELECT i.pillar FROM idea_posts l JOIN ideas i ON i.id = l.idea_id
         WHERE l.post_id = pm.post_id AND i.pillar IS NOT NULL ORDER BY l.created_at, i.id LIMIT 1) AS pillar,
       coalesce(t.rendering -> 'parts' -> 0 ->> 'text', '') AS text
  FROM post_metrics pm JOIN posts p ON p.id = pm.post_id JOIN post_targets t ON t.id = pm.target_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= %(since)s AND pm.published_at < %(until)s
 ORDER BY pm.published_at, pm.target_id;

-- name: window_published
-- How many posts the member published on each platform each week of a window (Mondays in their zone),
-- measured or not: a platform without analytics still counts its posts.
SELECT t.platform, date_trunc('week', t.published_at AT TIME ZONE %(zone)s)::date AS week,
       count(DISTINCT t.post_id)::int AS n
  FROM post_targets t
 WHERE t.member_id = %(member)s AND t.status = 'published'
   AND t.published_at >= %(since)s AND t.published_at < %(until)s
 GROUP BY 1, 2 ORDER BY 2, 1;

-- name: window_edits
-- The member's approvals in a window (newest first, at most a limit): their ratio and diff.
SELECT edit_ratio, diff FROM draft_edits
 WHERE member_id = %(member)s AND created_at >= %(since)s AND created_at < %(until)s
 ORDER BY created_at DESC, id DESC LIMIT %(limit)s;

-- name: killed_reasons
-- Why ideas were killed in a window, most frequent first.
SELECT lower(btrim(kill_reason)) AS reason, count(*) AS n FROM ideas
 WHERE member_id = %(member)s AND state = 'killed' AND state_changed_at >= %(since)s
   AND state_changed_at < %(until)s
 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %(limit)s;

-- name: follower_weeks
-- Each account's last follower count of every week in a window (Mondays in the member's zone).
SELECT DISTINCT ON (f.account_id, 3) a.platform, a.handle,
       date_trunc('week', f.collected_at AT TIME ZONE %(zone)s)::date AS week, f.followers
  FROM account_followers f JOIN accounts a ON a.id = f.account_id
 WHERE f.member_id = %(member)s AND f.collected_at >= %(since)s AND f.collected_at < %(until)s
 ORDER BY f.account_id, 3, f.collected_at DESC;

-- name: dropped_formats
-- The formats the member agreed to drop (approved drop_format proposals).
SELECT path FROM strategy_proposals
 WHERE member_id = %(member)s AND kind = 'drop_format' AND status = 'approved' ORDER BY id;

-- name: edit_months
-- Mean edit ratio, naturalness after editing and approvals in a window (voice drift).
SELECT count(*) AS edits, avg(edit_ratio)::float AS ratio, avg(naturalness_after)::float AS naturalness,
       avg((diff ->> 'final_sentence_words')::float)::float AS sentence_words
  FROM draft_edits
 WHERE member_id = %(member)s AND created_at >= %(since)s AND created_at < %(until)s;

-- name: save_member_model
-- Write the member's model (replacing the one before).
INSERT INTO preference_models (scope, member_id, model, computed_at, computed_by)
VALUES ('member', %(member)s, %(model)s, %(at)s, %(member)s)
ON CONFLICT (member_id) WHERE scope = 'member'
DO UPDATE SET model = EXCLUDED.model, computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by,
              updated_at = now();

-- name: save_brand_model
-- Write the company hub's brand model (replacing the one before).
INSERT INTO preference_models (scope, member_id, model, computed_at, computed_by)
VALUES ('brand', NULL, %(model)s, %(at)s, %(member)s)
ON CONFLICT (scope) WHERE scope = 'brand'
DO UPDATE SET model = EXCLUDED.model, computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by,
              updated_at = now();

-- name: member_model
-- The member's stored model.
SELECT model FROM preference_models WHERE scope = 'member' AND member_id = %(member)s;

-- name: brand_model
-- The company hub's brand model.
SELECT model FROM preference_models WHERE scope = 'brand';

-- name: add_proposal
-- A new proposal, unless one for that field is pending (no row back then).
INSERT INTO strategy_proposals (member_id, kind, path, value, summary, evidence, post_ids, created_at)
VALUES (%(member)s, %(kind)s, %(path)s, %(value)s, %(summary)s, %(evidence)s, %(post_ids)s, %(at)s)
ON CONFLICT (member_id, path) WHERE status = 'pending' DO NOTHING
RETURNING id, kind, path, value, summary, evidence, post_ids, status, created_at, decided_at;

-- name: recently_rejected
-- Whether the member rejected a proposal for this field since a date.
SELECT EXISTS (SELECT 1 FROM strategy_proposals
                WHERE member_id = %(member)s AND path = %(path)s AND status = 'rejected'
                  AND decided_at >= %(since)s);

-- name: list_proposals
-- The member's proposals (optionally of one status), newest first.
SELECT id, kind, path, value, summary, evidence, post_ids, status, created_at, decided_at
  FROM strategy_proposals
 WHERE member_id = %(member)s AND (%(status)s::text IS NULL OR status = %(status)s)
 ORDER BY id DESC LIMIT %(limit)s;

-- name: lock_proposal
-- One pending proposal, locked while it is decided.
SELECT id, kind, path, value, summary, evidence, post_ids, status, created_at, decided_at
  FROM strategy_proposals WHERE member_id = %(member)s AND id = %(id)s AND status = 'pending' FOR UPDATE;

-- name: decide_proposal
-- Approve or reject a pending proposal.
UPDATE strategy_proposals SET status = %(status)s, decided_at = %(at)s
 WHERE member_id = %(member)s AND id = %(id)s AND status = 'pending'
RETURNING id, kind, path, value, summary, evidence, post_ids, status, created_at, decided_at;

-- name: member_role
-- The caller's role in this hub (NULL: not an active member).
SELECT psn_member_role();

-- name: hub_kind
-- Whether this hub is a personal or a company hub.
SELECT psn_hub_kind();

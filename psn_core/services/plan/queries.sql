-- The weekly plan (its migration enforces the plan and slot state machines). Every query runs as the
-- member under RLS: a member sees and changes only their own plans and slots, and their own posts.

-- name: week_busy
-- Posts going out in [start, end) (scheduled, publishing, published, pending approval) that no slot of the
-- plan holds, with their pillar (recorded when the draft was saved, else their idea's), if any.
SELECT t.platform, t.due_at AS at, p.language,
       coalesce((SELECT pt.pillar FROM post_topics pt WHERE pt.post_id = p.id),
                (SELECT i.pillar FROM idea_posts l JOIN ideas i ON i.id = l.idea_id
                  WHERE l.post_id = p.id AND i.pillar IS NOT NULL ORDER BY l.created_at LIMIT 1)) AS pillar
  FROM post_targets t JOIN posts p ON p.id = t.post_id
 WHERE t.member_id = %(member_id)s AND t.due_at >= %(start)s AND t.due_at < %(end)s
   AND t.status IN ('pending_approval', 'scheduled', 'publishing', 'published')
   AND NOT EXISTS (SELECT 1 FROM plan_slots s WHERE s.post_id = t.post_id AND s.plan_id = %(plan_id)s)
 ORDER BY t.due_at, t.platform;

-- name: ready_ideas
-- The member's ready ideas and the unrated ideas proposed for a plan or made from a trend (sparks of
-- source plan or trend; one rated "maybe" is a seed and waits for a love), oldest first (ready first): the
-- candidates after due series episodes.
-- With held_elsewhere, an idea a planned, still ahead slot of another open plan holds is left out (one
-- idea is planned in one week at a time).
SELECT i.id, i.text, i.pillar, i.platform, i.language, i.state, i.source
  FROM ideas i
 WHERE (i.state = 'ready' OR (i.source IN ('plan', 'trend') AND i.state = 'spark'))
   AND (i.member_id = %(member_id)s OR i.claimed_by = %(member_id)s)
   AND NOT (%(held_elsewhere)s AND EXISTS (
           SELECT 1 FROM plan_slots s JOIN weekly_plans w ON w.id = s.plan_id
            WHERE s.idea_id = i.id AND s.plan_id IS DISTINCT FROM %(plan_id)s
              AND w.state IN ('proposed', 'accepted') AND s.state = 'planned' AND s.at > %(now)s))
 ORDER BY (i.state = 'ready') DESC, i.created_at, i.id
 LIMIT %(limit)s;

-- name: top_posts
-- The member's published posts in [since, until) by engagement score (weighted engagements per 1000 of
-- exposure, over every target), best first, with where they ran and the pillar of their idea. Posts a
-- slot of another plan already remixes or recycles are left out.
SELECT p.id AS post_id, p.language, array_agg(DISTINCT pm.platform ORDER BY pm.platform) AS platforms,
       coalesce(nullif(btrim(p.idea), ''),
                (SELECT left(t.rendering->'parts'->0->>'text', 200) FROM post_targets t
                  WHERE t.post_id = p.id ORDER BY t.created_at, t.id LIMIT 1), '') AS topic,
       coalesce((SELECT pt.pillar FROM post_topics pt WHERE pt.post_id = p.id),
                (SELECT i.pillar FROM idea_posts l JOIN ideas i ON i.id = l.idea_id
                  WHERE l.post_id = p.id AND i.pillar IS NOT NULL ORDER BY l.created_at LIMIT 1)) AS pillar,
       sum(pm.weighted)::float / NULLIF(sum(pm.exposure), 0) * 1000 AS score
  FROM post_metrics pm JOIN posts p ON p.id = pm.post_id
 WHERE pm.member_id = %(member_id)s AND pm.published_at >= %(since)s AND pm.published_at < %(until)s
   AND NOT EXISTS (SELECT 1 FROM plan_slots s WHERE s.source_post_id = p.id AND s.plan_id <> %(plan_id)s)
 GROUP BY p.id
HAVING sum(pm.exposure) > 0
 ORDER BY score DESC, p.id
 LIMIT %(limit)s;

-- name: best_hours
-- Per platform, the local hours of the member's best-scoring posts of the window (at least 2 posts an
-- hour, 5 on the platform), best first.
WITH hours AS (
    SELECT platform, extract(hour FROM published_at AT TIME ZONE %(zone)s)::int AS hour, count(*) AS n,
           sum(weighted)::float / NULLIF(sum(exposure), 0) AS score,
           sum(count(*)) OVER (PARTITION BY platform) AS on_platform
      FROM post_metrics
     WHERE member_id = %(member_id)s AND published_at >= %(since)s AND published_at < %(until)s
     GROUP BY 1, 2
)
SELECT platform, hour FROM hours
 WHERE n >= 2 AND on_platform >= 5 AND score IS NOT NULL
 ORDER BY platform, score DESC, hour;

-- name: plan_of_week
-- The member's plan of the week starting on a Monday, if any.
SELECT id, week_start, zone, state, capacity, generated_at FROM weekly_plans
 WHERE member_id = %(member_id)s AND week_start = %(week_start)s;

-- name: insert_plan
-- A new plan (always proposed: the hub refuses anything else); a concurrent insert of the same week wins.
INSERT INTO weekly_plans (member_id, week_start, zone, capacity, generated_at)
VALUES (%(member_id)s, %(week_start)s, %(zone)s, %(capacity)s, %(now)s)
ON CONFLICT (member_id, week_start) DO NOTHING;

-- name: regenerated
-- A plan made again (only while it is open: the hub refuses to change a completed or abandoned plan).
UPDATE weekly_plans SET capacity = %(capacity)s, generated_at = %(now)s
 WHERE id = %(plan_id)s
RETURNING id;

-- name: abandon_plan
-- A plan given up (only while it is open); its slots and their posts stay as they are.
UPDATE weekly_plans SET state = 'abandoned' WHERE id = %(plan_id)s AND state IN ('proposed', 'accepted')
RETURNING id;

-- name: lock_plan
-- One regeneration of a plan at a time.
SELECT id, state FROM weekly_plans WHERE id = %(plan_id)s FOR UPDATE;

-- name: drop_open_slots
-- The planned slots (nobody drafted or skipped them): made again. Skipped slots stay and hold their place
-- in the week; the hub keeps every slot with a post.
DELETE FROM plan_slots WHERE plan_id = %(plan_id)s AND state = 'planned';

-- name: insert_slot
-- A new slot (planned, without a post: the hub refuses anything else).
INSERT INTO plan_slots (plan_id, member_id, position, at, local_day, platform, kind, topic, pillar, angle, language,
                        idea_id, series_id, episode_number, episode_label, occurrence_at, source_post_id, reason)
VALUES (%(plan_id)s, %(member_id)s, %(position)s, %(at)s, %(local_day)s, %(platform)s, %(kind)s, %(topic)s,
        %(pillar)s, %(angle)s, %(language)s, %(idea_id)s, %(series_id)s, %(episode_number)s, %(episode_label)s,
        %(occurrence_at)s, %(source_post_id)s, %(reason)s);

-- name: plan_slots
-- The slots of a plan, by time.
SELECT id, position, at, local_day, platform, kind, topic, pillar, angle, language, idea_id, series_id,
       episode_number, episode_label, occurrence_at, source_post_id, reason, state, post_id
  FROM plan_slots WHERE plan_id = %(plan_id)s
 ORDER BY at, position;

-- name: slot_by_id
-- One slot of the member's, with its plan's state.
SELECT s.id, s.plan_id, s.state, s.post_id, s.idea_id, s.series_id, s.occurrence_at, s.pillar,
       p.state AS plan_state
  FROM plan_slots s JOIN weekly_plans p ON p.id = s.plan_id
 WHERE s.id = %(slot_id)s;

-- name: slot_ids_like
-- Slots whose id starts with a prefix (what a short id names), at most a few.
SELECT id FROM plan_slots WHERE id::text LIKE %(prefix)s ORDER BY id LIMIT 3;

-- name: attach_post
-- The post drafted from a slot: the slot is drafted (only from planned: a slot is drafted once).
UPDATE plan_slots SET state = 'drafted', post_id = %(post_id)s
 WHERE id = %(slot_id)s AND state = 'planned'
RETURNING id;

-- name: set_slot_state
-- Skip a planned slot, or plan a skipped one again (only from the state the caller saw).
UPDATE plan_slots SET state = %(to_state)s
 WHERE id = %(slot_id)s AND state = %(from_state)s
RETURNING id;

-- name: open_slots_ahead
-- The member's planned slots from now on (every plan), soonest first: what to draft next.
SELECT s.id, s.position, s.at, s.local_day, s.platform, s.kind, s.topic, s.pillar, s.angle, s.language, s.idea_id,
       s.series_id, s.episode_number, s.episode_label, s.occurrence_at, s.source_post_id, s.reason, s.state,
       s.post_id
  FROM plan_slots s JOIN weekly_plans p ON p.id = s.plan_id
 WHERE s.state = 'planned' AND s.at >= %(now)s AND p.state IN ('proposed', 'accepted')
 ORDER BY s.at, s.position
 LIMIT %(limit)s;

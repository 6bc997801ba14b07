-- The ideas bank (migration 0016). Every query runs as the member under RLS: a personal hub shows the
-- member's own ideas, a company hub every idea of the hub; the hub's trigger enforces the state machine
-- and who may move what, so these queries never decide permissions themselves.

-- name: insert_idea
-- A captured idea: always a spark (the hub refuses anything else).
INSERT INTO ideas (member_id, text, pillar, platform, urgency, urgency_inferred, language, source,
                   created_at, touched_at)
VALUES (%(member_id)s, %(text)s, %(pillar)s, %(platform)s, %(urgency)s, %(urgency_inferred)s, %(language)s,
        %(source)s, %(now)s, %(now)s)
RETURNING id;

-- name: idea_ids_like
-- Ideas whose id starts with a prefix (what a short id names), at most a few.
SELECT id FROM ideas WHERE id::text LIKE %(prefix)s ORDER BY id LIMIT 3;

-- name: ideas_by_id
-- Ideas with who captured and claimed them, the posts made from them, and when they expire.
SELECT i.id, i.text, i.pillar, i.platform, i.urgency, i.urgency_inferred, i.language, i.source, i.state,
       i.member_id, cm.display_name AS captured_by, i.claimed_by, km.display_name AS claimer, i.claimed_at,
       i.kill_reason, i.created_at, i.touched_at, i.state_changed_at,
       CASE i.urgency WHEN 'timely' THEN i.created_at + interval '48 hours'
                      WHEN 'seasonal' THEN i.created_at + interval '30 days' END AS expires_at,
       coalesce((SELECT array_agg(l.post_id ORDER BY l.created_at) FROM idea_posts l WHERE l.idea_id = i.id),
                '{}') AS post_ids,
       NULL::real AS rank
  FROM ideas i
  LEFT JOIN members cm ON cm.id = i.member_id
  LEFT JOIN members km ON km.id = i.claimed_by
 WHERE i.id = ANY (%(ids)s)
 ORDER BY array_position(%(ids)s, i.id);

-- name: list_ideas
-- Ids of ideas in some states, optionally of one pillar / platform, most recently touched first.
SELECT i.id FROM ideas i
 WHERE i.state = ANY (%(states)s)
   AND (%(pillar)s::text IS NULL OR i.pillar = %(pillar)s)
   AND (%(platform)s::text IS NULL OR i.platform = %(platform)s OR i.platform IS NULL)
 ORDER BY i.touched_at DESC, i.id
 LIMIT %(limit)s;

-- name: search_ideas
-- Full-text search, best first: the hub's psn_search_ideas (migration 0016 says why it is a function: the
-- GIN index; it shows the caller what RLS shows them, and the rows are then loaded under RLS).
SELECT s.id, s.rank FROM public.psn_search_ideas(%(query)s, %(states)s, %(pillar)s, %(platform)s, %(limit)s) s;

-- name: move_idea
-- One transition, only from the state the caller saw (a concurrent move wins; this one then changes
-- nothing). The hub's trigger checks the move, sets the claimer and records the event.
UPDATE ideas SET state = %(to_state)s, kill_reason = %(kill_reason)s, transition_note = %(note)s,
                 touched_at = %(now)s
 WHERE id = %(id)s AND state = %(from_state)s
RETURNING id;

-- name: touch_idea
-- Still interesting: the stale clock starts again.
UPDATE ideas SET touched_at = greatest(touched_at, %(now)s) WHERE id = %(id)s RETURNING id;

-- name: idea_counts
-- How many ideas per state, pillar, urgency and source (one row per dimension and value).
SELECT 'state' AS dimension, state AS value, count(*) AS n FROM ideas GROUP BY state
UNION ALL
SELECT 'pillar', coalesce(pillar, '(none)'), count(*) FROM ideas WHERE state NOT IN ('used', 'killed') GROUP BY pillar
UNION ALL
SELECT 'urgency', urgency, count(*) FROM ideas WHERE state NOT IN ('used', 'killed') GROUP BY urgency
UNION ALL
SELECT 'source', source, count(*) FROM ideas GROUP BY source
ORDER BY 1, 3 DESC, 2;

-- name: stale_ideas
-- Sparks untouched for 14 days and seeds for 30, stalest first.
SELECT i.id FROM ideas i
 WHERE (i.state = 'spark' AND i.touched_at <= %(now)s - interval '14 days')
    OR (i.state = 'seed' AND i.touched_at <= %(now)s - interval '30 days')
 ORDER BY i.touched_at, i.id
 LIMIT %(limit)s;

-- name: expire_ideas
-- Timely ideas 48 hours after capture and seasonal ones 30 days after are killed (unclaimed ones only:
-- nobody's work disappears), as far as the caller may kill them (in a company hub: their own, or all for
-- editors and admins). The hub records each as an event with the reason.
UPDATE ideas i SET state = 'killed', touched_at = %(now)s,
       kill_reason = CASE i.urgency WHEN 'timely' THEN 'expired: a timely idea 48 hours after it was captured'
                                    ELSE 'expired: a seasonal idea 30 days after it was captured' END
 WHERE i.state IN ('spark', 'seed', 'ready')
   AND ((i.urgency = 'timely' AND i.created_at <= %(now)s - interval '48 hours')
        OR (i.urgency = 'seasonal' AND i.created_at <= %(now)s - interval '30 days'))
   AND (i.member_id = public.psn_current_member()
        OR (SELECT public.psn_member_role()) IN ('owner', 'admin', 'editor'))
RETURNING i.id;

-- name: link_idea_post
-- A post made from an idea.
INSERT INTO idea_posts (idea_id, post_id) VALUES (%(idea_id)s, %(post_id)s) ON CONFLICT DO NOTHING;

-- Series (their migration). Every query runs as the member under RLS: a personal hub shows the member's
-- own series, a company hub every series of the hub; the hub's trigger enforces the states and who may
-- change what, and counts episodes when posts are published, so these queries decide neither.

-- name: insert_series
-- A new series: always active, no episodes yet (the hub refuses anything else).
INSERT INTO series (member_id, name, slug, description, cadence, rrule, starts_on, time_of_day, timezone,
                    platforms, pillar, format, template, label_pattern, season_length, first_episode,
                    created_at, state_changed_at)
VALUES (%(member_id)s, %(name)s, %(slug)s, %(description)s, %(cadence)s, %(rrule)s, %(starts_on)s,
        %(time_of_day)s, %(timezone)s, %(platforms)s, %(pillar)s, %(format)s, %(template)s, %(label_pattern)s,
        %(season_length)s, %(first_episode)s, %(now)s, %(now)s)
RETURNING id;

-- name: series_rows
-- Series with who created them; by ids (NULL: all visible), in some states, own ones first, by name.
SELECT s.id, s.member_id, m.display_name AS created_by, s.name, s.slug, s.description, s.cadence, s.rrule,
       s.starts_on, s.time_of_day, s.timezone, s.platforms, s.pillar, s.format, s.template, s.label_pattern,
       s.season_length, s.first_episode, s.episodes_published, s.state, s.state_changed_at, s.created_at
  FROM series s
  LEFT JOIN members m ON m.id = s.member_id
 WHERE (%(ids)s::uuid[] IS NULL OR s.id = ANY (%(ids)s::uuid[]))
   AND s.state = ANY (%(states)s)
 ORDER BY (s.member_id = public.psn_current_member()) DESC, s.name, s.id;

-- name: series_ids_by_ref
-- Series a reference names: its slug, or an id prefix (slug matches first; more than one is ambiguous).
SELECT s.id, s.slug, s.name, s.slug = %(ref)s AS by_slug FROM series s
 WHERE s.slug = %(ref)s OR s.id::text LIKE %(prefix)s
 ORDER BY (s.slug = %(ref)s) DESC, s.id
 LIMIT 10;

-- name: move_series
-- One transition, only from the state the caller saw (a concurrent move wins; this one changes nothing).
UPDATE series SET state = %(to_state)s, state_changed_at = %(now)s
 WHERE id = %(id)s AND state = %(from_state)s
RETURNING id;

-- name: link_series_post
-- A post made for a series (for one occurrence, when known).
INSERT INTO series_posts (post_id, series_id, occurrence_at) VALUES (%(post_id)s, %(series_id)s, %(occurrence_at)s)
ON CONFLICT (post_id) DO NOTHING
RETURNING series_id;

-- name: series_post_times
-- The posts of some series, where each stands and when it goes out: the hub's psn_series_post_times (its
-- migration says why it is a function: a contributor must see that an episode is taken).
SELECT t.series_id, t.post_id, t.occurrence_at, t.at, t.stage, t.episode_number
  FROM public.psn_series_post_times(%(ids)s) t
 ORDER BY t.series_id, t.at NULLS LAST, t.post_id;

-- name: insert_post_topics
-- A saved post's pillar and format (once: a second save of the same post keeps the first).
INSERT INTO post_topics (post_id, pillar, format) VALUES (%(post_id)s, %(pillar)s, %(format)s)
ON CONFLICT (post_id) DO NOTHING;

-- name: repeated_topics
-- Posts of the last 30 days (by when they went out or are due, else when saved) that belong to no series,
-- grouped by pillar and format (the pillar of the post, else of the idea it was made from); groups of
-- at least %(min_posts)s posts, with no live series of that pillar and format already.
WITH recent AS (
    SELECT p.id, coalesce(t.pillar, (SELECT i.pillar FROM idea_posts l JOIN ideas i ON i.id = l.idea_id
                                      WHERE l.post_id = p.id AND i.pillar IS NOT NULL
                                      ORDER BY l.created_at LIMIT 1)) AS pillar,
           t.format,
           coalesce((SELECT min(g.published_at) FROM post_targets g WHERE g.post_id = p.id),
                    p.scheduled_at, p.created_at) AS at
      FROM posts p
      JOIN post_topics t ON t.post_id = p.id
     WHERE NOT EXISTS (SELECT 1 FROM series_posts sp WHERE sp.post_id = p.id)
       AND EXISTS (SELECT 1 FROM post_targets g WHERE g.post_id = p.id
                    AND g.status NOT IN ('cancelled', 'expired'))
)
SELECT r.pillar, r.format, count(*) AS posts, array_agg(r.id ORDER BY r.at) AS post_ids,
       min(r.at) AS first_at, max(r.at) AS last_at
  FROM recent r
 WHERE r.pillar IS NOT NULL AND r.format IS NOT NULL
   AND r.at > %(now)s - interval '30 days' AND r.at <= %(now)s
   AND NOT EXISTS (SELECT 1 FROM series s WHERE s.pillar = r.pillar AND s.format = r.format
                    AND s.state <> 'retired')
 GROUP BY r.pillar, r.format
HAVING count(*) >= %(min_posts)s
 ORDER BY count(*) DESC, r.pillar, r.format;

-- name: episode_metrics
-- A series' published episodes, in order, with what their targets collected (analytics' post_metrics);
-- the posts of one episode (one per platform) are summed, shown by the first one published.
SELECT e.episode_number, (array_agg(e.post_id ORDER BY e.published_at, e.post_id))[1] AS post_id,
       min(e.published_at) AS published_at,
       coalesce(sum(m.exposure), 0) AS exposure, coalesce(sum(m.engagements), 0) AS engagements,
       coalesce(sum(m.likes), 0) AS likes, coalesce(sum(m.comments), 0) AS comments,
       coalesce(sum(m.shares), 0) AS shares
  FROM series_episodes e
  LEFT JOIN post_metrics m ON m.post_id = e.post_id
 WHERE e.series_id = %(series_id)s
 GROUP BY e.episode_number
 ORDER BY e.episode_number;

-- name: edit_series
-- What a member may edit (the hub's trigger decides who may, and refuses a retired series); a series
-- retired meanwhile is left alone (no row).
UPDATE series SET name = %(name)s, description = %(description)s, cadence = %(cadence)s, rrule = %(rrule)s,
       starts_on = %(starts_on)s, time_of_day = %(time_of_day)s, template = %(template)s,
       label_pattern = %(label_pattern)s, season_length = %(season_length)s
 WHERE id = %(id)s AND state <> 'retired'
RETURNING id;

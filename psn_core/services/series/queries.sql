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
-- Series a reference names: its slug (the caller's own first), or an id prefix.
SELECT s.id FROM series s
 WHERE s.slug = %(ref)s OR s.id::text LIKE %(prefix)s
 ORDER BY (s.slug = %(ref)s) DESC, (s.member_id = public.psn_current_member()) DESC, s.id
 LIMIT 3;

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

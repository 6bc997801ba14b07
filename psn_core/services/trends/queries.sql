-- Trend intake (the trends and trend_sources tables). Every query runs as the member under RLS: each
-- member reads and writes only their own trends and fetch state.

-- name: upsert_trend
-- A trend seen in an intake: new (inserted) or seen again (the same canonical URL): its last sighting,
-- the sources that carried it, the best score and signal so far. Returns whether it is new.
INSERT INTO trends (member_id, url, title, summary, source, sources, kind, signal, score, pillar, matched,
                    published_at, first_seen_at, last_seen_at)
VALUES (%(member_id)s, %(url)s, %(title)s, %(summary)s, %(source)s, ARRAY[%(source)s], %(kind)s, %(signal)s,
        %(score)s, %(pillar)s, %(matched)s, %(published_at)s, %(now)s, %(now)s)
ON CONFLICT (member_id, url) DO UPDATE
   SET last_seen_at = greatest(trends.last_seen_at, EXCLUDED.last_seen_at),
       sources = CASE WHEN EXCLUDED.source = ANY (trends.sources) THEN trends.sources
                      ELSE trends.sources || EXCLUDED.source END,
       signal = greatest(trends.signal, EXCLUDED.signal),
       kind = CASE WHEN EXCLUDED.signal > trends.signal THEN EXCLUDED.kind ELSE trends.kind END,
       score = greatest(trends.score, EXCLUDED.score),
       pillar = CASE WHEN EXCLUDED.score > trends.score THEN EXCLUDED.pillar ELSE trends.pillar END,
       matched = CASE WHEN EXCLUDED.score > trends.score THEN EXCLUDED.matched ELSE trends.matched END,
       published_at = coalesce(trends.published_at, EXCLUDED.published_at)
RETURNING id, (xmax = 0) AS inserted;

-- name: breaking_candidates
-- Fresh trends at or above the threshold, popular enough where they were seen (kind: the source of the best
-- signal; floors: the least signal per kind, none for feeds), not announced yet, best first.
SELECT t.id FROM trends t
 WHERE t.notified_at IS NULL AND t.score >= %(threshold)s
   AND t.signal >= (%(floors)s::jsonb ->> t.kind)::double precision
   AND coalesce(t.published_at, t.first_seen_at) >= %(since)s
 ORDER BY t.score DESC, t.id
 LIMIT 20;

-- name: claim_breaking
-- The one right to announce a trend as breaking: set once (a concurrent or later intake finds it set).
UPDATE trends SET notified_at = %(now)s
 WHERE id = %(id)s AND notified_at IS NULL AND score >= %(threshold)s
   AND signal >= (%(floors)s::jsonb ->> kind)::double precision
RETURNING id;

-- name: expire_trends
-- Trends first seen 30 days ago or more leave the hub.
DELETE FROM trends WHERE first_seen_at <= %(now)s - interval '30 days' RETURNING id;

-- name: list_trends
-- The member's trends, best first (then newest), optionally from one pillar, with at least a score,
-- first seen since a time. expires_at: 30 days after the first sighting.
SELECT t.id, t.url, t.title, t.summary, t.source, t.sources, t.kind, t.signal, t.score, t.pillar, t.matched,
       t.published_at, t.first_seen_at, t.last_seen_at, t.first_seen_at + interval '30 days' AS expires_at,
       t.notified_at, t.idea_id
  FROM trends t
 WHERE (%(pillar)s::text IS NULL OR t.pillar = %(pillar)s)
   AND t.score >= %(min_score)s
   AND t.first_seen_at > %(now)s - interval '30 days'
   AND (%(unsparked)s IS NOT TRUE OR t.idea_id IS NULL)
 ORDER BY t.score DESC, coalesce(t.published_at, t.first_seen_at) DESC, t.id
 LIMIT %(limit)s;

-- name: get_trend
-- One trend by id.
SELECT t.id, t.url, t.title, t.summary, t.source, t.sources, t.kind, t.signal, t.score, t.pillar, t.matched,
       t.published_at, t.first_seen_at, t.last_seen_at, t.first_seen_at + interval '30 days' AS expires_at,
       t.notified_at, t.idea_id
  FROM trends t WHERE t.id = %(id)s;

-- name: trend_ids_like
-- Trends whose id starts with a prefix (what a short id names), at most a few.
SELECT id FROM trends WHERE id::text LIKE %(prefix)s ORDER BY id LIMIT 3;

-- name: link_idea
-- The idea spark made from a trend.
UPDATE trends SET idea_id = %(idea_id)s WHERE id = %(id)s RETURNING id;

-- name: source_states
-- How each of the member's sources last went.
SELECT source, kind, url, etag, last_modified, last_attempt_at, last_success_at, last_failure_at, last_error,
       consecutive_failures, last_outcome, last_items
  FROM trend_sources ORDER BY source;

-- name: save_source_success
-- A fetch that worked (304 included): its validators kept for the next conditional request.
-- note: what it had to skip (kept as its last_error; none leaves the last failure's reason as it was).
INSERT INTO trend_sources (member_id, source, kind, url, etag, last_modified, last_attempt_at, last_success_at,
                           consecutive_failures, last_outcome, last_items, last_error)
VALUES (%(member_id)s, %(source)s, %(kind)s, %(url)s, %(etag)s, %(last_modified)s, %(now)s, %(now)s, 0,
        %(outcome)s, %(items)s, %(note)s)
ON CONFLICT (member_id, source) DO UPDATE
   SET kind = EXCLUDED.kind, url = EXCLUDED.url, etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
       last_error = coalesce(EXCLUDED.last_error, trend_sources.last_error),
       last_attempt_at = EXCLUDED.last_attempt_at, last_success_at = EXCLUDED.last_success_at,
       consecutive_failures = 0, last_outcome = EXCLUDED.last_outcome,
       last_items = CASE WHEN EXCLUDED.last_outcome = 'not_modified' THEN trend_sources.last_items
                         ELSE EXCLUDED.last_items END;

-- name: save_source_failure
-- A fetch that failed: when and why (its validators and last success stay as they were).
INSERT INTO trend_sources (member_id, source, kind, url, last_attempt_at, last_failure_at, last_error,
                           consecutive_failures, last_outcome)
VALUES (%(member_id)s, %(source)s, %(kind)s, %(url)s, %(now)s, %(now)s, %(error)s, 1, 'failed')
ON CONFLICT (member_id, source) DO UPDATE
   SET kind = EXCLUDED.kind, url = EXCLUDED.url, last_attempt_at = EXCLUDED.last_attempt_at,
       last_failure_at = EXCLUDED.last_failure_at, last_error = EXCLUDED.last_error,
       consecutive_failures = trend_sources.consecutive_failures + 1, last_outcome = 'failed';

-- name: prune_sources
-- Fetch state of sources strategy.yaml no longer lists.
DELETE FROM trend_sources WHERE NOT (source = ANY (%(keep)s)) RETURNING source;

-- Analytics: the sweep's writes (snapshots, latest metrics, rollups, flags) and the hub-only reads
-- (summary, history, weekly review, signals for the writer). Rollups keep one row per member, period,
-- zone, period start, platform, language and format; sums are ::bigint so rows carry plain ints.

-- name: due_targets
-- Published targets of one account whose metrics are due (all of the last 30 days when forced).
SELECT t.id AS target_id, t.post_id, t.account_id, t.platform, p.language, t.rendering,
       t.remote_ids, t.published_at
  FROM post_targets t
  JOIN posts p ON p.id = t.post_id
  LEFT JOIN metric_collection c ON c.target_id = t.id
 WHERE t.member_id = %(member)s AND t.account_id = %(account)s AND t.status = 'published'
   AND cardinality(t.remote_ids) > 0 AND t.published_at IS NOT NULL
   AND (%(force)s OR (t.published_at > %(since)s AND (c.target_id IS NULL OR c.next_due_at <= %(now)s)))
 ORDER BY t.published_at DESC
 LIMIT %(limit)s;

-- name: sweep_accounts
-- The member's active accounts with where their last sweep left off.
SELECT a.id, a.platform, a.handle, s.resume_at, s.followers_checked_at
  FROM accounts a LEFT JOIN analytics_sweeps s ON s.account_id = a.id
 WHERE a.member_id = %(member)s AND a.status = 'active'
 ORDER BY a.platform, a.handle;

-- name: take_request
-- Consume the member's pending refresh request, if any.
DELETE FROM analytics_requests WHERE member_id = %(member)s RETURNING force;

-- name: request_refresh
-- Ask the worker for a sweep; a forced request stays forced until it runs.
INSERT INTO analytics_requests (member_id, requested_at, force) VALUES (%(member)s, %(now)s, %(force)s)
ON CONFLICT (member_id) DO UPDATE SET requested_at = EXCLUDED.requested_at,
    force = analytics_requests.force OR EXCLUDED.force;

-- name: finish_sweep
-- Record how one account's sweep ended (a stop keeps the last complete time).
INSERT INTO analytics_sweeps (account_id, member_id, last_started_at, last_finished_at,
                              last_complete_at, resume_at, stopped_reason, collected)
VALUES (%(account)s, %(member)s, %(started)s, %(now)s, %(complete)s, %(resume)s, %(reason)s, %(collected)s)
ON CONFLICT (account_id) DO UPDATE SET
    last_started_at = EXCLUDED.last_started_at, last_finished_at = EXCLUDED.last_finished_at,
    last_complete_at = COALESCE(EXCLUDED.last_complete_at, analytics_sweeps.last_complete_at),
    resume_at = EXCLUDED.resume_at, stopped_reason = EXCLUDED.stopped_reason,
    collected = EXCLUDED.collected;

-- name: lock_latest
-- The latest metrics of a batch of targets, locked, to compute rollup deltas from.
SELECT target_id, impressions, reach, views, likes, comments, shares, saves, exposure, engagements, weighted
  FROM post_metrics WHERE target_id = ANY(%(targets)s) FOR UPDATE;

-- name: collected
-- When a target was last collected and is next due.
INSERT INTO metric_collection (target_id, member_id, last_collected_at, next_due_at)
VALUES (%(target)s, %(member)s, %(now)s, %(next_due)s)
ON CONFLICT (target_id) DO UPDATE SET last_collected_at = EXCLUDED.last_collected_at,
    next_due_at = EXCLUDED.next_due_at, collections = metric_collection.collections + 1;

-- name: insert_snapshot
-- One reading in the time series (a second reading at the same instant is dropped).
INSERT INTO metric_snapshots (member_id, target_id, collected_at, impressions, reach, views, likes,
                              comments, shares, saves, link_clicks, profile_clicks)
VALUES (%(member)s, %(target)s, %(now)s, %(impressions)s, %(reach)s, %(views)s, %(likes)s, %(comments)s,
        %(shares)s, %(saves)s, %(link_clicks)s, %(profile_clicks)s)
ON CONFLICT (target_id, collected_at) DO NOTHING;

-- name: upsert_latest
-- The latest metrics of one target.
INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format, published_at,
                          collected_at, impressions, reach, views, likes, comments, shares, saves, link_clicks,
                          profile_clicks, exposure, engagements, weighted)
VALUES (%(target)s, %(member)s, %(post)s, %(account)s, %(platform)s, %(language)s, %(format)s, %(published)s,
        %(now)s, %(impressions)s, %(reach)s, %(views)s, %(likes)s, %(comments)s, %(shares)s, %(saves)s,
        %(link_clicks)s, %(profile_clicks)s, %(exposure)s, %(engagements)s, %(weighted)s)
ON CONFLICT (target_id) DO UPDATE SET
    collected_at = EXCLUDED.collected_at, impressions = EXCLUDED.impressions, reach = EXCLUDED.reach,
    views = EXCLUDED.views, likes = EXCLUDED.likes, comments = EXCLUDED.comments, shares = EXCLUDED.shares,
    saves = EXCLUDED.saves, link_clicks = EXCLUDED.link_clicks, profile_clicks = EXCLUDED.profile_clicks,
    exposure = EXCLUDED.exposure, engagements = EXCLUDED.engagements, weighted = EXCLUDED.weighted;

-- name: rollup_delta
-- Add the difference one reading makes to its week or month rollup (posts counts a target once).
INSERT INTO metric_rollups AS r (member_id, period, zone, period_start, platform, language, format, posts,
                                 impressions, reach, views, likes, comments, shares, saves, exposure, engagements,
                                 weighted, updated_at)
VALUES (%(member)s, %(period)s, %(zone)s,
        date_trunc(%(period)s, %(published)s::timestamptz AT TIME ZONE %(zone)s)::date,
        %(platform)s, %(language)s, %(format)s, %(posts)s, %(d_impressions)s, %(d_reach)s, %(d_views)s,
        %(d_likes)s, %(d_comments)s, %(d_shares)s, %(d_saves)s, %(d_exposure)s, %(d_engagements)s,
        %(d_weighted)s, %(now)s)
ON CONFLICT (member_id, period, zone, period_start, platform, language, format) DO UPDATE SET
    posts = r.posts + EXCLUDED.posts, impressions = r.impressions + EXCLUDED.impressions,
    reach = r.reach + EXCLUDED.reach, views = r.views + EXCLUDED.views, likes = r.likes + EXCLUDED.likes,
    comments = r.comments + EXCLUDED.comments, shares = r.shares + EXCLUDED.shares,
    saves = r.saves + EXCLUDED.saves, exposure = r.exposure + EXCLUDED.exposure,
    engagements = r.engagements + EXCLUDED.engagements, weighted = r.weighted + EXCLUDED.weighted,
    updated_at = EXCLUDED.updated_at;

-- name: delete_rollups
-- Forget the member's rollups before a rebuild.
DELETE FROM metric_rollups WHERE member_id = %(member)s;

-- name: rebuild_rollups
-- Recompute the member's weekly and monthly rollups from post_metrics in one zone.
INSERT INTO metric_rollups (member_id, period, zone, period_start, platform, language, format, posts,
                            impressions, reach, views, likes, comments, shares, saves, exposure, engagements,
                            weighted, updated_at)
SELECT member_id, p.period, %(zone)s, date_trunc(p.period, published_at AT TIME ZONE %(zone)s)::date,
       platform, language, format, count(*), COALESCE(sum(impressions), 0), COALESCE(sum(reach), 0),
       COALESCE(sum(views), 0), COALESCE(sum(likes), 0), COALESCE(sum(comments), 0), COALESCE(sum(shares), 0),
       COALESCE(sum(saves), 0), sum(exposure), sum(engagements), sum(weighted), %(now)s
  FROM post_metrics CROSS JOIN (VALUES ('week'), ('month')) AS p (period)
 WHERE member_id = %(member)s
 GROUP BY member_id, p.period, 4, platform, language, format;

-- name: rollup_state
-- Whether the member has metrics, rollups in this zone, and rollups in another zone.
SELECT EXISTS (SELECT 1 FROM post_metrics WHERE member_id = %(member)s) AS metrics,
       EXISTS (SELECT 1 FROM metric_rollups WHERE member_id = %(member)s AND zone = %(zone)s) AS rolled,
       EXISTS (SELECT 1 FROM metric_rollups WHERE member_id = %(member)s AND zone <> %(zone)s) AS other;

-- name: refresh_flags
-- Suppression flags of an account's last 30 days against the mean exposure of its other posts.
UPDATE post_metrics pm
   SET baseline_exposure = b.avg_exposure,
       flag_low_impressions = pm.published_at <= %(judged)s AND b.n >= %(min_posts)s
                              AND pm.exposure < %(ratio)s * b.avg_exposure,
       flag_low_engagement = pm.published_at <= %(judged)s AND pm.exposure >= %(high_reach)s
                             AND pm.exposure >= COALESCE(b.avg_exposure, 0)
                             AND pm.engagements < %(near_zero)s * pm.exposure
  FROM post_metrics p
  CROSS JOIN LATERAL (
        SELECT avg(o.exposure)::double precision AS avg_exposure, count(*) AS n
          FROM post_metrics o
         WHERE o.member_id = p.member_id AND o.account_id = p.account_id AND o.target_id <> p.target_id
           AND o.published_at > %(since)s AND o.published_at <= %(judged)s
  ) b
 WHERE pm.target_id = p.target_id AND p.member_id = %(member)s AND p.account_id = %(account)s
   AND p.published_at > %(since)s;

-- name: insert_followers
-- One follower count of an account.
INSERT INTO account_followers (member_id, account_id, collected_at, followers)
VALUES (%(member)s, %(account)s, %(now)s, %(followers)s)
ON CONFLICT DO NOTHING;

-- name: followers_checked
-- When psn last asked an account for its follower count.
INSERT INTO analytics_sweeps (account_id, member_id, followers_checked_at) VALUES (%(account)s, %(member)s, %(now)s)
ON CONFLICT (account_id) DO UPDATE SET followers_checked_at = EXCLUDED.followers_checked_at;

-- name: freshness
-- Each account's last sweep: when it finished and why it stopped early.
SELECT a.platform, a.handle, s.last_finished_at, s.resume_at, s.stopped_reason
  FROM analytics_sweeps s JOIN accounts a ON a.id = s.account_id
 WHERE s.member_id = %(member)s ORDER BY a.platform, a.handle;

-- name: weekly_trend
-- Weekly rollups of all platforms between two Mondays, oldest first.
SELECT period_start, COALESCE(sum(posts), 0) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM metric_rollups
 WHERE member_id = %(member)s AND period = 'week' AND zone = %(zone)s
   AND period_start >= %(first)s AND period_start <= %(last)s
 GROUP BY period_start ORDER BY period_start;

-- name: summary_splits
-- Totals since a date, and per platform, language and format (g: GROUPING bits, 1 = rolled up).
SELECT platform, language, format, GROUPING(platform, language, format) AS g, count(*) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM post_metrics
 WHERE member_id = %(member)s AND published_at >= %(since)s
 GROUP BY GROUPING SETS ((), (platform), (language), (format));

-- name: summary_posts
-- A page of posts published since a date, newest first.
SELECT pm.target_id, pm.post_id, pm.platform, pm.language, pm.format, pm.published_at, pm.exposure,
       pm.engagements, pm.weighted, pm.baseline_exposure, pm.flag_low_impressions, pm.flag_low_engagement,
       left(t.rendering -> 'parts' -> 0 ->> 'text', 80) AS text
  FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= %(since)s
 ORDER BY pm.published_at DESC, pm.target_id LIMIT %(limit)s OFFSET %(offset)s;

-- name: summary_flagged
-- Flagged posts published since a date, newest first.
SELECT pm.target_id, pm.post_id, pm.platform, pm.language, pm.format, pm.published_at, pm.exposure,
       pm.engagements, pm.weighted, pm.baseline_exposure, pm.flag_low_impressions, pm.flag_low_engagement,
       left(t.rendering -> 'parts' -> 0 ->> 'text', 80) AS text
  FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= %(since)s
   AND (pm.flag_low_impressions OR pm.flag_low_engagement)
 ORDER BY pm.published_at DESC LIMIT %(limit)s;

-- name: latest_followers
-- The latest follower count of each account.
SELECT DISTINCT ON (f.account_id) a.platform, a.handle, f.followers
  FROM account_followers f JOIN accounts a ON a.id = f.account_id
 WHERE f.member_id = %(member)s ORDER BY f.account_id, f.collected_at DESC;

-- name: history_count
-- How many weeks (or months) have rollups in a zone.
SELECT count(DISTINCT period_start) FROM metric_rollups
 WHERE member_id = %(member)s AND period = %(period)s AND zone = %(zone)s;

-- name: history
-- A page of weekly (or monthly) rollups, newest first.
SELECT period_start, COALESCE(sum(posts), 0) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM metric_rollups WHERE member_id = %(member)s AND period = %(period)s AND zone = %(zone)s
 GROUP BY period_start ORDER BY period_start DESC LIMIT %(limit)s OFFSET %(offset)s;

-- name: week_posts
-- Every post published in one week.
SELECT pm.target_id, pm.post_id, pm.platform, pm.language, pm.format, pm.published_at, pm.exposure,
       pm.engagements, pm.weighted, pm.baseline_exposure, pm.flag_low_impressions, pm.flag_low_engagement,
       left(t.rendering -> 'parts' -> 0 ->> 'text', 80) AS text
  FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id JOIN posts p ON p.id = pm.post_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= %(start)s AND pm.published_at < %(end)s;

-- name: week_split
-- One week's sums per {dim} (platform, language or format: an identifier filled in by the caller).
SELECT {dim} AS key, count(*) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM post_metrics
 WHERE member_id = %(member)s AND published_at >= %(start)s AND published_at < %(end)s GROUP BY {dim};

-- name: previous_split
-- The sums per {dim} of the weekly rollups between two Mondays (the weeks before the reviewed one).
SELECT {dim} AS key, COALESCE(sum(posts), 0) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM metric_rollups
 WHERE member_id = %(member)s AND period = 'week' AND zone = %(zone)s
   AND period_start >= %(first)s AND period_start < %(monday)s
 GROUP BY {dim};

-- name: week_totals
-- One week's sums over every post.
SELECT count(*) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM post_metrics
 WHERE member_id = %(member)s AND published_at >= %(start)s AND published_at < %(end)s;

-- name: previous_totals
-- The sums of the weekly rollups between two Mondays.
SELECT COALESCE(sum(posts), 0) AS posts,
       COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,
       COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,
       COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,
       COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,
       COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted
  FROM metric_rollups
 WHERE member_id = %(member)s AND period = 'week' AND zone = %(zone)s
   AND period_start >= %(first)s AND period_start < %(monday)s;

-- name: best_hours
-- Score per platform and local hour over a window (at least 2 posts), best first.
SELECT platform, extract(hour FROM published_at AT TIME ZONE %(zone)s)::int AS hour, count(*) AS n,
       sum(weighted)::float / NULLIF(sum(exposure), 0) * 1000 AS score
  FROM post_metrics WHERE member_id = %(member)s AND published_at >= %(since)s AND published_at < %(until)s
 GROUP BY 1, 2 HAVING count(*) >= 2 ORDER BY 1, 4 DESC NULLS LAST;

-- name: format_scores
-- Score per platform and format over a window (at least 2 posts).
SELECT platform, format, count(*) AS n, sum(weighted)::float / NULLIF(sum(exposure), 0) * 1000 AS score
  FROM post_metrics WHERE member_id = %(member)s AND published_at >= %(since)s AND published_at < %(until)s
 GROUP BY 1, 2 HAVING count(*) >= 2;

-- name: topic_scores
-- Score per idea (normalised) over a window (at least 2 posts).
SELECT lower(btrim(p.idea)) AS topic, count(*) AS n,
       sum(pm.weighted)::float / NULLIF(sum(pm.exposure), 0) * 1000 AS score
  FROM post_metrics pm JOIN posts p ON p.id = pm.post_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= %(since)s AND pm.published_at < %(until)s
   AND btrim(p.idea) <> ''
 GROUP BY 1 HAVING count(*) >= 2;

-- name: matched_performance
-- Posts of the last days grouped by whether their first part is the final text of a recorded approval.
SELECT EXISTS (SELECT 1 FROM draft_edits d
                WHERE d.member_id = pm.member_id AND d.platform = pm.platform
                  AND d.final_text = t.rendering -> 'parts' -> 0 ->> 'text') AS matched,
       count(*) AS posts, COALESCE(sum(pm.engagements), 0) AS engagements,
       COALESCE(sum(pm.exposure), 0) AS exposure
  FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= now() - make_interval(days => %(days)s)
 GROUP BY 1;

-- name: flagged_notes
-- Flagged posts of the last 30 days (optionally of one platform), newest first.
SELECT pm.platform, pm.exposure, pm.engagements, pm.baseline_exposure, pm.flag_low_impressions,
       pm.flag_low_engagement, left(t.rendering -> 'parts' -> 0 ->> 'text', 60) AS text
  FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id
 WHERE pm.member_id = %(member)s AND pm.published_at >= now() - interval '30 days'
   AND (pm.flag_low_impressions OR pm.flag_low_engagement)
   AND (%(platform)s::text IS NULL OR pm.platform = %(platform)s)
 ORDER BY pm.published_at DESC LIMIT %(limit)s;

-- name: recent_formats
-- Weighted engagements and exposure per format on one platform over the last 30 days.
SELECT format, count(*) AS posts, COALESCE(sum(weighted), 0) AS weighted, COALESCE(sum(exposure), 0) AS exposure
  FROM post_metrics
 WHERE member_id = %(member)s AND platform = %(platform)s AND published_at >= now() - interval '30 days'
 GROUP BY format;

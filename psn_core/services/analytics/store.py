"""Writing analytics into the hub: snapshots, the latest metrics of each target, the weekly/monthly
rollups (changed incrementally, by the difference each new collection makes), the recency bookkeeping
and the suppression flags. Only the sweep calls these; every function runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psn_core.hub.database import Conn
from psn_core.platforms.models import PostMetrics
from psn_core.services.analytics.models import (
    BASELINE_MIN_POSTS,
    FLAG_MIN_AGE,
    HIGH_REACH_MIN,
    LOW_IMPRESSIONS_RATIO,
    MAX_AGE,
    NEAR_ZERO_RATE,
    WEIGHTS,
    Format,
    next_due,
)

MEASURES = ("impressions", "reach", "views", "likes", "comments", "shares", "saves")
ROLLED = (*MEASURES, "exposure", "engagements", "weighted")


@dataclass(frozen=True)
class DueTarget:
    """A published target whose metrics are due, as the sweep reads it."""

    target_id: UUID
    post_id: UUID
    account_id: UUID
    platform: str
    language: str
    format: Format
    remote_id: str
    published_at: datetime


def format_of(rendering: Mapping[str, Any]) -> Format:
    """The post's format from its stored rendering (thread, image, carousel, video, text, document, article)."""
    parts = rendering.get("parts") or []
    if rendering.get("article_url"):
        return "article"
    if len(parts) > 1:
        return "thread"
    kinds = [str(m.get("kind")) for m in (parts[0].get("media") or [])] if parts else []
    if "video" in kinds:
        return "video"
    if "document" in kinds:
        return "document"
    if len(kinds) > 1:
        return "carousel"
    return "image" if kinds else "text"


def derived(m: PostMetrics) -> dict[str, int]:
    """exposure, engagements and weighted engagements of one reading (see analytics_models)."""
    exposure = m.impressions if m.impressions is not None else m.views if m.views is not None else m.reach
    counts = {k: getattr(m, k) or 0 for k in WEIGHTS}
    return {
        "exposure": exposure or 0,
        "engagements": sum(counts.values()),
        "weighted": sum(WEIGHTS[k] * v for k, v in counts.items()),
    }


_UPSERT_LATEST = """
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
    exposure = EXCLUDED.exposure, engagements = EXCLUDED.engagements, weighted = EXCLUDED.weighted
"""

_ROLLUP_DELTA = """
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
    updated_at = EXCLUDED.updated_at
"""

_COLLECTED = """
INSERT INTO metric_collection (target_id, member_id, last_collected_at, next_due_at)
VALUES (%s, %s, %s, %s)
ON CONFLICT (target_id) DO UPDATE SET last_collected_at = EXCLUDED.last_collected_at,
    next_due_at = EXCLUDED.next_due_at, collections = metric_collection.collections + 1
"""


def record_metrics(
    conn: Conn, member_id: UUID, targets: Sequence[DueTarget], readings: Sequence[PostMetrics], now: datetime, zone: str
) -> int:
    """Store one batch of readings: a snapshot each, the latest row, rollup deltas, and when each target
    is next due (targets the platform returned nothing for are rescheduled too, so they never loop).
    Returns how many targets got a reading.
    """
    by_remote = {m.post_id: m for m in readings if m.post_id}
    ids = [t.target_id for t in targets]
    old = {
        r["target_id"]: r
        for r in conn.execute(
            "SELECT target_id, impressions, reach, views, likes, comments, shares, saves, exposure, engagements,"
            " weighted FROM post_metrics WHERE target_id = ANY(%s) FOR UPDATE",
            [ids],
        ).fetchall()
    }
    stored = 0
    deltas: list[dict[str, object]] = []
    for t in targets:
        reading = by_remote.get(t.remote_id)
        conn.execute(_COLLECTED, [t.target_id, member_id, now, next_due(t.published_at, now)])
        if reading is None:
            continue
        values: dict[str, Any] = {k: getattr(reading, k) for k in (*MEASURES, "link_clicks", "profile_clicks")}
        values.update(derived(reading))
        conn.execute(
            "INSERT INTO metric_snapshots (member_id, target_id, collected_at, impressions, reach, views, likes,"
            " comments, shares, saves, link_clicks, profile_clicks) VALUES (%(member)s, %(target)s, %(now)s,"
            " %(impressions)s, %(reach)s, %(views)s, %(likes)s, %(comments)s, %(shares)s, %(saves)s,"
            " %(link_clicks)s, %(profile_clicks)s) ON CONFLICT (target_id, collected_at) DO NOTHING",
            {"member": member_id, "target": t.target_id, "now": now, **values},
        )
        row = {
            "target": t.target_id,
            "member": member_id,
            "post": t.post_id,
            "account": t.account_id,
            "platform": t.platform,
            "language": t.language,
            "format": t.format,
            "published": t.published_at,
            "now": now,
            **values,
        }
        conn.execute(_UPSERT_LATEST, row)
        before = old.get(t.target_id)
        delta = {f"d_{c}": (values[c] or 0) - ((before[c] or 0) if before else 0) for c in ROLLED}
        for period in ("week", "month"):
            deltas.append({**row, **delta, "period": period, "zone": zone, "posts": 0 if before else 1})
        stored += 1
    if deltas:
        with conn.cursor() as cur:
            cur.executemany(_ROLLUP_DELTA, deltas)
    return stored


_REBUILD = """
INSERT INTO metric_rollups (member_id, period, zone, period_start, platform, language, format, posts,
                            impressions, reach, views, likes, comments, shares, saves, exposure, engagements,
                            weighted, updated_at)
SELECT member_id, p.period, %(zone)s, date_trunc(p.period, published_at AT TIME ZONE %(zone)s)::date,
       platform, language, format, count(*), COALESCE(sum(impressions), 0), COALESCE(sum(reach), 0),
       COALESCE(sum(views), 0), COALESCE(sum(likes), 0), COALESCE(sum(comments), 0), COALESCE(sum(shares), 0),
       COALESCE(sum(saves), 0), sum(exposure), sum(engagements), sum(weighted), %(now)s
  FROM post_metrics CROSS JOIN (VALUES ('week'), ('month')) AS p (period)
 WHERE member_id = %(member)s
 GROUP BY member_id, p.period, 4, platform, language, format
"""


def rebuild_rollups(conn: Conn, member_id: UUID, zone: str, now: datetime) -> None:
    """Recompute every rollup from post_metrics in ``zone`` (first run, or after the user's zone changed)."""
    conn.execute("DELETE FROM metric_rollups WHERE member_id = %s", [member_id])
    conn.execute(_REBUILD, {"member": member_id, "zone": zone, "now": now})


def ensure_rollups(conn: Conn, member_id: UUID, zone: str, now: datetime) -> bool:
    """Rebuild the rollups when there are metrics but none rolled up in ``zone``; returns whether it did."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM post_metrics WHERE member_id = %(m)s) AS metrics,"
        " EXISTS (SELECT 1 FROM metric_rollups WHERE member_id = %(m)s AND zone = %(z)s) AS rolled,"
        " EXISTS (SELECT 1 FROM metric_rollups WHERE member_id = %(m)s AND zone <> %(z)s) AS other",
        {"m": member_id, "z": zone},
    ).fetchone()
    assert row is not None
    if (row["metrics"] and not row["rolled"]) or row["other"]:
        rebuild_rollups(conn, member_id, zone, now)
        return True
    return False


_FLAGS = """
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
   AND p.published_at > %(since)s
"""


def refresh_flags(conn: Conn, member_id: UUID, account_id: UUID, now: datetime) -> None:
    """Recompute the suppression flags of the account's posts of the last 30 days.

    Baseline: the mean exposure of the account's other posts of the last 30 days that are at least a
    day old (younger posts have not had their reach yet, so neither they nor the baseline use them).
    """
    conn.execute(
        _FLAGS,
        {
            "member": member_id,
            "account": account_id,
            "since": now - MAX_AGE,
            "judged": now - FLAG_MIN_AGE,
            "min_posts": BASELINE_MIN_POSTS,
            "ratio": LOW_IMPRESSIONS_RATIO,
            "high_reach": HIGH_REACH_MIN,
            "near_zero": NEAR_ZERO_RATE,
        },
    )


def record_followers(conn: Conn, member_id: UUID, account_id: UUID, followers: int | None, now: datetime) -> None:
    """Store a follower count (when the platform gave one) and when psn last asked."""
    if followers is not None:
        conn.execute(
            "INSERT INTO account_followers (member_id, account_id, collected_at, followers) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [member_id, account_id, now, followers],
        )
    conn.execute(
        "INSERT INTO analytics_sweeps (account_id, member_id, followers_checked_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (account_id) DO UPDATE SET followers_checked_at = EXCLUDED.followers_checked_at",
        [account_id, member_id, now],
    )

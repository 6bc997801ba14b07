"""Analytics read from the hub only: the 30-day summary, paginated history from the rollups, and how
fresh the numbers are. No function here calls a platform; the worker's sweep
(:mod:`psn_core.services.analytics.sweep`) is what collects. Definitions (exposure, engagement rate,
engagement score) are in :mod:`psn_core.services.analytics.models`.

Cost: the summary reads ``post_metrics`` (one row per published target) through its
``(member_id, published_at)`` index, and the 12-week trend reads ``metric_rollups``; neither touches
the snapshot time series, so it stays interactive however much history the hub holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import sql

from psn_core.hub.database import Conn
from psn_core.services.analytics.models import (
    LOW_IMPRESSIONS_RATIO,
    PAGE_SIZE,
    Freshness,
    History,
    PeriodLine,
    PostLine,
    Split,
    Summary,
    Totals,
    engagement_rate,
    engagement_score,
)
from psn_core.timefmt import local

SUMS = ("exposure", "impressions", "views", "reach", "likes", "comments", "shares", "saves", "engagements", "weighted")
# The sums every query returns, in SUMS order.
SUM_SQL = sql.SQL(
    "COALESCE(sum(exposure), 0)::bigint AS exposure, COALESCE(sum(impressions), 0)::bigint AS impressions,"
    " COALESCE(sum(views), 0)::bigint AS views, COALESCE(sum(reach), 0)::bigint AS reach,"
    " COALESCE(sum(likes), 0)::bigint AS likes, COALESCE(sum(comments), 0)::bigint AS comments,"
    " COALESCE(sum(shares), 0)::bigint AS shares, COALESCE(sum(saves), 0)::bigint AS saves,"
    " COALESCE(sum(engagements), 0)::bigint AS engagements, COALESCE(sum(weighted), 0)::bigint AS weighted"
)
TREND_WEEKS = 12


def totals_of(row: Mapping[str, Any], cls: type[Totals] = Totals, **extra: Any) -> Any:
    """A Totals (or subclass) from a row of sums, with rate and score derived."""
    values = {c: int(row[c] or 0) for c in SUMS}
    return cls(
        posts=int(row["posts"] or 0),
        **values,
        engagement_rate=engagement_rate(values["engagements"], values["exposure"]),
        engagement_score=engagement_score(values["weighted"], values["exposure"]),
        **extra,
    )


def flag_sentences(row: Mapping[str, Any]) -> list[str]:
    """The suppression signals of one post_metrics row, as sentences."""
    out = []
    baseline = row.get("baseline_exposure")
    if row.get("flag_low_impressions") and baseline:
        below = 1 - row["exposure"] / baseline
        out.append(
            f"reach {below:.0%} below the account's 30-day average ({row['exposure']:,} vs {baseline:,.0f}; "
            f"flagged under {LOW_IMPRESSIONS_RATIO:.0%}): check for suppression"
        )
    if row.get("flag_low_engagement"):
        rate = engagement_rate(row["engagements"], row["exposure"]) or 0.0
        out.append(f"high reach ({row['exposure']:,}) with near-zero engagement ({rate:.2%}): review the post")
    return out


POST_COLUMNS = sql.SQL(
    "pm.target_id, pm.post_id, pm.platform, pm.language, pm.format, pm.published_at, pm.exposure,"
    " pm.engagements, pm.weighted, pm.baseline_exposure, pm.flag_low_impressions, pm.flag_low_engagement,"
    " left(t.rendering -> 'parts' -> 0 ->> 'text', 80) AS text"
)


def post_line(row: Mapping[str, Any], zone: ZoneInfo) -> PostLine:
    return PostLine(
        target_id=row["target_id"],
        post_id=row["post_id"],
        platform=row["platform"],
        language=row["language"],
        format=row["format"],
        published_at=row["published_at"],
        published_local=local(row["published_at"], zone),
        text=row["text"] or "",
        exposure=row["exposure"],
        engagements=row["engagements"],
        engagement_rate=engagement_rate(row["engagements"], row["exposure"]),
        engagement_score=engagement_score(row["weighted"], row["exposure"]),
        flags=flag_sentences(row),
    )


def freshness(conn: Conn, member_id: UUID, zone: ZoneInfo, now: datetime) -> Freshness:
    """When metrics were last collected, and which accounts' last sweep stopped early."""
    rows = conn.execute(
        """
        SELECT a.platform, a.handle, s.last_finished_at, s.resume_at, s.stopped_reason
          FROM analytics_sweeps s JOIN accounts a ON a.id = s.account_id
         WHERE s.member_id = %s ORDER BY a.platform, a.handle
        """,
        [member_id],
    ).fetchall()
    finished = [r["last_finished_at"] for r in rows if r["last_finished_at"] is not None]
    as_of = max(finished) if finished else None
    stale = []
    for r in rows:
        if r["stopped_reason"]:
            later = f"; continues after {local(r['resume_at'], zone)}" if r["resume_at"] else ""
            stale.append(f"{r['platform']} @{r['handle']}: {r['stopped_reason']}{later}")
    shown = f"metrics as of {local(as_of, zone)}" if as_of else "no metrics yet (the worker's sweep has not run)"
    return Freshness(as_of=as_of, as_of_local=shown, stale_accounts=stale)


def weekly_trend(conn: Conn, member_id: UUID, zone: str, until: datetime, weeks: int = TREND_WEEKS) -> list[PeriodLine]:
    """Weekly rollups (all platforms) of the ``weeks`` weeks up to ``until``, oldest first."""
    first = (until.astimezone(ZoneInfo(zone)) - timedelta(weeks=weeks - 1)).date()
    first -= timedelta(days=first.weekday())
    rows = conn.execute(
        sql.SQL(
            """
        SELECT period_start, COALESCE(sum(posts), 0) AS posts, {sums}
          FROM metric_rollups
         WHERE member_id = %s AND period = 'week' AND zone = %s AND period_start >= %s AND period_start <= %s
         GROUP BY period_start ORDER BY period_start
        """
        ).format(sums=SUM_SQL),
        [member_id, zone, first, until.astimezone(ZoneInfo(zone)).date()],
    ).fetchall()
    return [totals_of(r, PeriodLine, period_start=r["period_start"].isoformat()) for r in rows]


def summary(conn: Conn, member_id: UUID, *, zone: ZoneInfo, now: datetime, days: int = 30, page: int = 1) -> Summary:
    """The last ``days`` days of published posts, from the hub only: totals, per-platform, per-language
    and per-format splits, flagged posts, follower counts, a page of posts and the 12-week trend.

    Raises:
        ValueError: ``days`` or ``page`` below 1.
    """
    if days < 1 or page < 1:
        raise ValueError("days and page start at 1")
    since = now - timedelta(days=days)
    split_rows = conn.execute(
        sql.SQL(
            """
        SELECT platform, language, format, GROUPING(platform, language, format) AS g,
               count(*) AS posts, {sums}
          FROM post_metrics
         WHERE member_id = %s AND published_at >= %s
         GROUP BY GROUPING SETS ((), (platform), (language), (format))
        """
        ).format(sums=SUM_SQL),
        [member_id, since],
    ).fetchall()
    totals = Totals()
    splits: dict[str, list[Split]] = {"platform": [], "language": [], "format": []}
    for r in split_rows:
        if r["g"] == 7:
            totals = totals_of(r)
            continue
        dim = {3: "platform", 5: "language", 6: "format"}[r["g"]]  # GROUPING bits: 1 = rolled up
        splits[dim].append(totals_of(r, Split, key=r[dim]))
    for items in splits.values():
        items.sort(key=lambda s: (-(s.engagement_score or 0), s.key))
    pages = max(1, math.ceil(totals.posts / PAGE_SIZE))
    posts = conn.execute(
        sql.SQL(
            """
        SELECT {cols} FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id
         WHERE pm.member_id = %s AND pm.published_at >= %s
         ORDER BY pm.published_at DESC, pm.target_id LIMIT %s OFFSET %s
        """
        ).format(cols=POST_COLUMNS),
        [member_id, since, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    ).fetchall()
    flagged = conn.execute(
        sql.SQL(
            """
        SELECT {cols} FROM post_metrics pm JOIN post_targets t ON t.id = pm.target_id
         WHERE pm.member_id = %s AND pm.published_at >= %s
           AND (pm.flag_low_impressions OR pm.flag_low_engagement)
         ORDER BY pm.published_at DESC LIMIT %s
        """
        ).format(cols=POST_COLUMNS),
        [member_id, since, PAGE_SIZE],
    ).fetchall()
    followers = conn.execute(
        """
        SELECT DISTINCT ON (f.account_id) a.platform, a.handle, f.followers
          FROM account_followers f JOIN accounts a ON a.id = f.account_id
         WHERE f.member_id = %s ORDER BY f.account_id, f.collected_at DESC
        """,
        [member_id],
    ).fetchall()
    return Summary(
        days=days,
        since=since,
        timezone=zone.key,
        freshness=freshness(conn, member_id, zone, now),
        totals=totals,
        platforms=splits["platform"],
        languages=splits["language"],
        formats=splits["format"],
        flagged=[post_line(r, zone) for r in flagged],
        followers={f"{r['platform']} @{r['handle']}": r["followers"] for r in followers},
        page=page,
        pages=pages,
        posts=[post_line(r, zone) for r in posts],
        weeks=weekly_trend(conn, member_id, zone.key, now),
    )


def history(
    conn: Conn, member_id: UUID, *, zone: ZoneInfo, period: Literal["week", "month"] = "week", page: int = 1
) -> History:
    """Every week (or month) with published posts, newest first, 12 per page, from the rollups.

    Raises:
        ValueError: ``page`` below 1.
    """
    if page < 1:
        raise ValueError("page starts at 1")
    count = conn.execute(
        "SELECT count(DISTINCT period_start) AS n FROM metric_rollups"
        " WHERE member_id = %s AND period = %s AND zone = %s",
        [member_id, period, zone.key],
    ).fetchone()
    rows = conn.execute(
        sql.SQL(
            """
        SELECT period_start, COALESCE(sum(posts), 0) AS posts, {sums}
          FROM metric_rollups WHERE member_id = %s AND period = %s AND zone = %s
         GROUP BY period_start ORDER BY period_start DESC LIMIT %s OFFSET %s
        """
        ).format(sums=SUM_SQL),
        [member_id, period, zone.key, TREND_WEEKS, (page - 1) * TREND_WEEKS],
    ).fetchall()
    total = int(count["n"]) if count else 0
    return History(
        period=period,
        timezone=zone.key,
        page=page,
        pages=max(1, math.ceil(total / TREND_WEEKS)),
        lines=[totals_of(r, PeriodLine, period_start=r["period_start"].isoformat()) for r in rows],
    )


def _line(label: str, t: Totals) -> str:
    rate = f"{t.engagement_rate:.2%}" if t.engagement_rate is not None else "n/a"
    score = f"{t.engagement_score:.1f}" if t.engagement_score is not None else "n/a"
    return (
        f"{label}: {t.posts} posts, exposure {t.exposure:,}, engagements {t.engagements:,}, rate {rate}, score {score}"
    )


def describe(s: Summary) -> list[str]:
    """The summary as lines of text for a terminal (times in the user's zone, zone named)."""
    out = [f"Last {s.days} days: {s.freshness.as_of_local}."]
    out += [f"  incomplete: {line}" for line in s.freshness.stale_accounts]
    out.append(_line("Total", s.totals))
    for title, splits in (("Per platform", s.platforms), ("Per language", s.languages), ("Per format", s.formats)):
        if splits:
            out.append(f"{title}:")
            out += [f"  {_line(split.key, split)}" for split in splits]
    if s.followers:
        out.append("Followers: " + ", ".join(f"{k} {v:,}" for k, v in s.followers.items()))
    if s.flagged:
        out.append("Flagged for review:")
        out += [f"  {p.platform} {p.published_local} \u201c{p.text}\u201d: {'; '.join(p.flags)}" for p in s.flagged]
    out.append(f"Posts (page {s.page} of {s.pages}, newest first):")
    for p in s.posts:
        score = f"{p.engagement_score:.1f}" if p.engagement_score is not None else "n/a"
        out.append(f"  {p.published_local} {p.platform} {p.format}: exposure {p.exposure:,}, score {score}  {p.text}")
    if s.weeks:
        out.append("Weekly trend (Monday, posts, exposure, score):")
        out += [f"  {w.period_start}  {w.posts:>4}  {w.exposure:>10,}  {w.engagement_score or 0:.1f}" for w in s.weeks]
    out.append("Engagement score = weighted engagements per 1,000 exposures (comment 3, share 2, save 2, like 1).")
    return out

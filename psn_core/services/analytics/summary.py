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
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.analytics.models import (
    LOW_IMPRESSIONS_RATIO,
    PAGE_SIZE,
    Format,
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

Q = Queries.load(__package__)
TREND_WEEKS = 12


@dataclass(frozen=True)
class Sums:
    """A row of sums over a set of posts (every query of sums returns these columns)."""

    posts: int
    exposure: int
    impressions: int
    views: int
    reach: int
    likes: int
    comments: int
    shares: int
    saves: int
    engagements: int
    weighted: int


SUMS = tuple(f.name for f in fields(Sums) if f.name != "posts")


@dataclass(frozen=True)
class KeyedSums(Sums):
    """Sums for one value of a dimension (``key``: a platform, a language or a format)."""

    key: str


@dataclass(frozen=True)
class PeriodSums(Sums):
    period_start: date


@dataclass(frozen=True)
class SplitSums(Sums):
    """A summary row: ``g`` holds the GROUPING bits (1 = rolled up) of platform, language, format."""

    platform: str | None
    language: str | None
    format: str | None
    g: int


@dataclass(frozen=True)
class Flags:
    """The suppression columns of a post_metrics row."""

    exposure: int
    engagements: int
    baseline_exposure: float | None
    flag_low_impressions: bool | None
    flag_low_engagement: bool | None


@dataclass(frozen=True)
class PostRow(Flags):
    target_id: UUID
    post_id: UUID
    platform: str
    language: str
    format: Format
    published_at: datetime
    weighted: int
    text: str | None


@dataclass(frozen=True)
class SweepState:
    platform: str
    handle: str
    last_finished_at: datetime | None
    resume_at: datetime | None
    stopped_reason: str | None


@dataclass(frozen=True)
class Followers:
    platform: str
    handle: str
    followers: int


def totals_of(row: Sums, cls: type[Totals] = Totals, **extra: Any) -> Any:
    """A Totals (or subclass) from a row of sums, with rate and score derived."""
    values = {c: int(getattr(row, c) or 0) for c in SUMS}
    return cls(
        posts=int(row.posts or 0),
        **values,
        engagement_rate=engagement_rate(values["engagements"], values["exposure"]),
        engagement_score=engagement_score(values["weighted"], values["exposure"]),
        **extra,
    )


def flag_sentences(row: Flags) -> list[str]:
    """The suppression signals of one post_metrics row, as sentences."""
    out = []
    baseline = row.baseline_exposure
    if row.flag_low_impressions and baseline:
        below = 1 - row.exposure / baseline
        out.append(
            f"reach {below:.0%} below the account's 30-day average ({row.exposure:,} vs {baseline:,.0f}; "
            f"flagged under {LOW_IMPRESSIONS_RATIO:.0%}): check for suppression"
        )
    if row.flag_low_engagement:
        rate = engagement_rate(row.engagements, row.exposure) or 0.0
        out.append(f"high reach ({row.exposure:,}) with near-zero engagement ({rate:.2%}): review the post")
    return out


def post_line(row: PostRow, zone: ZoneInfo) -> PostLine:
    return PostLine(
        target_id=row.target_id,
        post_id=row.post_id,
        platform=row.platform,
        language=row.language,
        format=row.format,
        published_at=row.published_at,
        published_local=local(row.published_at, zone),
        text=row.text or "",
        exposure=row.exposure,
        engagements=row.engagements,
        engagement_rate=engagement_rate(row.engagements, row.exposure),
        engagement_score=engagement_score(row.weighted, row.exposure),
        flags=flag_sentences(row),
    )


def freshness(conn: Conn, member_id: UUID, zone: ZoneInfo, now: datetime) -> Freshness:
    """When metrics were last collected, and which accounts' last sweep stopped early."""
    rows = sql.many(conn, Q.freshness, {"member": member_id}, SweepState)
    finished = [r.last_finished_at for r in rows if r.last_finished_at is not None]
    as_of = max(finished) if finished else None
    stale = []
    for r in rows:
        if r.stopped_reason:
            later = f"; continues after {local(r.resume_at, zone)}" if r.resume_at else ""
            stale.append(f"{r.platform} @{r.handle}: {r.stopped_reason}{later}")
    shown = f"metrics as of {local(as_of, zone)}" if as_of else "no metrics yet (the worker's sweep has not run)"
    return Freshness(as_of=as_of, as_of_local=shown, stale_accounts=stale)


def weekly_trend(conn: Conn, member_id: UUID, zone: str, until: datetime, weeks: int = TREND_WEEKS) -> list[PeriodLine]:
    """Weekly rollups (all platforms) of the ``weeks`` weeks up to ``until``, oldest first."""
    first = (until.astimezone(ZoneInfo(zone)) - timedelta(weeks=weeks - 1)).date()
    first -= timedelta(days=first.weekday())
    last = until.astimezone(ZoneInfo(zone)).date()
    params = {"member": member_id, "zone": zone, "first": first, "last": last}
    rows = sql.many(conn, Q.weekly_trend, params, PeriodSums)
    return [totals_of(r, PeriodLine, period_start=r.period_start.isoformat()) for r in rows]


def summary(conn: Conn, member_id: UUID, *, zone: ZoneInfo, now: datetime, days: int = 30, page: int = 1) -> Summary:
    """The last ``days`` days of published posts, from the hub only: totals, per-platform, per-language
    and per-format splits, flagged posts, follower counts, a page of posts and the 12-week trend.

    Raises:
        ValueError: ``days`` or ``page`` below 1.
    """
    if days < 1 or page < 1:
        raise ValueError("days and page start at 1")
    since = now - timedelta(days=days)
    member = {"member": member_id, "since": since}
    totals = Totals()
    splits: dict[str, list[Split]] = {"platform": [], "language": [], "format": []}
    for r in sql.many(conn, Q.summary_splits, member, SplitSums):
        if r.g == 7:
            totals = totals_of(r)
            continue
        dim = {3: "platform", 5: "language", 6: "format"}[r.g]  # GROUPING bits: 1 = rolled up
        splits[dim].append(totals_of(r, Split, key=getattr(r, dim)))
    for items in splits.values():
        items.sort(key=lambda s: (-(s.engagement_score or 0), s.key))
    pages = max(1, math.ceil(totals.posts / PAGE_SIZE))
    page_of = {**member, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    posts = sql.many(conn, Q.summary_posts, page_of, PostRow)
    flagged = sql.many(conn, Q.summary_flagged, {**member, "limit": PAGE_SIZE}, PostRow)
    followers = sql.many(conn, Q.latest_followers, member, Followers)
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
        followers={f"{r.platform} @{r.handle}": r.followers for r in followers},
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
    params = {"member": member_id, "period": period, "zone": zone.key}
    count = sql.value(conn, Q.history_count, params)
    page_of = {**params, "limit": TREND_WEEKS, "offset": (page - 1) * TREND_WEEKS}
    rows = sql.many(conn, Q.history, page_of, PeriodSums)
    total = int(count or 0)
    return History(
        period=period,
        timezone=zone.key,
        page=page,
        pages=max(1, math.ceil(total / TREND_WEEKS)),
        lines=[totals_of(r, PeriodLine, period_start=r.period_start.isoformat()) for r in rows],
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

"""`psn review`: the weekly report, read from the hub only.

:func:`weekly_review` gathers the numbers (what worked, what did not and why, per-platform,
per-language and per-format tables against the previous four weeks, flagged posts, suggestions);
:func:`write_report` saves it as Markdown under ``<workspace>/reports/`` with a PNG of the 12-week
trend beside it. Weeks are ISO weeks (Monday to Sunday) in the user's zone.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg.sql import SQL, Identifier
from pydantic import BaseModel, Field

from psn_core.errors import WeekInvalid
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.analytics.chart import PlottedTrend, trend_chart
from psn_core.services.analytics.models import Freshness, PeriodLine, PostLine, Split, Totals
from psn_core.services.analytics.summary import (
    KeyedSums,
    PostRow,
    Sums,
    freshness,
    post_line,
    totals_of,
    weekly_trend,
)
from psn_core.services.learning.models import LearningSection
from psn_core.services.learning.review import learning_section, render_learning

Q = Queries.load(__package__)
TOP_N = 3
BASELINE_WEEKS = 4
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Scored:
    """A score over a window (posts per hour, per format or per topic); None without exposure."""

    n: int
    score: float | None
    platform: str = ""
    hour: int = 0
    format: str = ""
    topic: str = ""


class RankedPost(PostLine):
    why: str = Field(description="Why it stands out, in one sentence.")


class TableRow(Split):
    previous_score: float | None = Field(description=f"Engagement score over the {BASELINE_WEEKS} weeks before.")


class WeeklyReview(BaseModel):
    week: str
    starts: date
    ends: date
    timezone: str
    freshness: Freshness
    totals: Totals
    previous: Totals = Field(description=f"The {BASELINE_WEEKS} weeks before, summed.")
    worked: list[RankedPost]
    did_not: list[RankedPost]
    platforms: list[TableRow]
    languages: list[TableRow]
    formats: list[TableRow]
    flagged: list[PostLine]
    suggestions: list[str]
    trend: list[PeriodLine]
    learning: LearningSection | None = Field(
        default=None, description="What changed in the strategy and why, proposals to decide, the monthly part."
    )


class ReportFiles(BaseModel):
    markdown: Path
    chart: Path
    review: WeeklyReview


def parse_week(week: str | None, zone: ZoneInfo, now: datetime) -> tuple[str, date]:
    """(label, Monday) of ``week``; by default the last complete week.

    Raises:
        WeekInvalid: not YYYY-Www, or no such week.
    """
    if week is None:
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday() + 7)
    else:
        match = _WEEK.match(week.strip())
        if match is None:
            raise WeekInvalid(f"{week!r} is not an ISO week.")
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise WeekInvalid(f"{week!r} is not a week of that year.") from exc
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}", monday


def _table(rows: list[KeyedSums], previous: dict[str, float | None]) -> list[TableRow]:
    out = [totals_of(r, TableRow, key=r.key, previous_score=previous.get(r.key)) for r in rows]
    return sorted(out, key=lambda t: (-(t.engagement_score or 0), t.key))


def _why(post: PostLine, average: float | None, best: bool) -> str:
    score = post.engagement_score or 0.0
    against = f"your {post.platform} average this week is {average:.1f}" if average else "no average to compare"
    return (
        f"{'best' if best else 'lowest'} engagement score on {post.platform} ({score:.1f}; {against}); "
        f"{post.format} in {post.language}, posted {post.published_local}"
        + (f"; {post.flags[0]}" if post.flags else "")
    )


def weekly_review(
    conn: Conn,
    member_id: UUID,
    *,
    zone: ZoneInfo,
    now: datetime,
    week: str | None = None,
    workspace: Path | None = None,
    monthly: bool | None = None,
) -> WeeklyReview:
    """The numbers of one week, from the hub only; with ``workspace``, its learning part too (strategy
    changes in the week, or up to now while it is the week just ended, and why; pending proposals; the
    monthly part when ``monthly`` is true, or when None and the week ends a month).

    Raises:
        WeekInvalid: a bad ``week``.
    """
    label, monday = parse_week(week, zone, now)
    start = datetime.combine(monday, time(), zone)
    end = start + timedelta(days=7)
    in_week = {"member": member_id, "start": start, "end": end}
    lines = [post_line(r, zone) for r in sql.many(conn, Q.week_posts, in_week, PostRow)]
    dims: dict[str, list[KeyedSums]] = {}
    previous_rows: dict[str, dict[str, float | None]] = {}
    first = monday - timedelta(weeks=BASELINE_WEEKS)
    before = {"member": member_id, "zone": zone.key, "first": first, "monday": monday}
    for dim in ("platform", "language", "format"):
        by_dim = {"dim": Identifier(dim)}
        dims[dim] = sql.many(conn, SQL(Q.week_split).format(**by_dim).as_string(conn), in_week, KeyedSums)
        prev = sql.many(conn, SQL(Q.previous_split).format(**by_dim).as_string(conn), before, KeyedSums)
        previous_rows[dim] = {r.key: totals_of(r).engagement_score for r in prev}
    week_totals = sql.one(conn, Q.week_totals, in_week, Sums)
    prev_total = sql.one(conn, Q.previous_totals, before, Sums)
    platform_avg: dict[str, float | None] = {r.key: totals_of(r).engagement_score for r in dims["platform"]}
    scored = sorted(
        (p for p in lines if p.engagement_score is not None), key=lambda p: (-(p.engagement_score or 0), p.target_id)
    )
    worked = [RankedPost(**p.model_dump(), why=_why(p, platform_avg.get(p.platform), True)) for p in scored[:TOP_N]]
    rest = [p for p in scored[TOP_N:]][-TOP_N:] if len(scored) > TOP_N else []
    did_not = [RankedPost(**p.model_dump(), why=_why(p, platform_avg.get(p.platform), False)) for p in reversed(rest)]
    return WeeklyReview(
        week=label,
        starts=monday,
        ends=monday + timedelta(days=6),
        timezone=zone.key,
        freshness=freshness(conn, member_id, zone, now),
        totals=totals_of(week_totals) if week_totals else Totals(),
        previous=totals_of(prev_total) if prev_total else Totals(),
        worked=worked,
        did_not=did_not,
        platforms=_table(dims["platform"], previous_rows["platform"]),
        languages=_table(dims["language"], previous_rows["language"]),
        formats=_table(dims["format"], previous_rows["format"]),
        flagged=[p for p in lines if p.flags],
        suggestions=suggestions(conn, member_id, zone, end),
        trend=weekly_trend(conn, member_id, zone.key, end - timedelta(seconds=1)),
        learning=_learning(conn, member_id, zone, monday, start, now, workspace, monthly),
    )


def _learning(
    conn: Conn,
    member_id: UUID,
    zone: ZoneInfo,
    monday: date,
    start: datetime,
    now: datetime,
    workspace: Path | None,
    monthly: bool | None,
) -> LearningSection | None:
    if workspace is None:
        return None
    sunday = monday + timedelta(days=6)
    ends_month = sunday.month != (sunday + timedelta(days=1)).month or monday.month != sunday.month
    month = monday if (monthly if monthly is not None else ends_month) else None
    # The week's changes, not every one since: up to the week's end, or up to now while the review is of the
    # week just ended (the weekly task changes the strategy on the Monday after the week it learned from).
    end = datetime.combine(monday + timedelta(weeks=1), time(), zone)
    until = now if end <= now < end + timedelta(weeks=1) else end
    return learning_section(conn, member_id, workspace=workspace, since=start, until=until, zone=zone, month=month)


def suggestions(conn: Conn, member_id: UUID, zone: ZoneInfo, until: datetime) -> list[str]:
    """Posting times, formats and topics to rest, from the 90 days before ``until`` (at least 2 posts each)."""
    since = until - timedelta(days=90)
    out: list[str] = []
    window = {"member": member_id, "since": since, "until": until}
    hours = sql.many(conn, Q.best_hours, {**window, "zone": zone.key}, Scored)
    seen: set[str] = set()
    for r in hours:
        if r.platform not in seen and r.score is not None:
            seen.add(r.platform)
            out.append(
                f"Post on {r.platform} around {r.hour:02d}:00 ({zone.key}): your best hour there "
                f"(score {r.score:.1f} over {r.n} posts)."
            )
    by_platform: dict[str, list[tuple[float, str]]] = {}
    for r in sql.many(conn, Q.format_scores, window, Scored):
        if r.score is not None:
            by_platform.setdefault(r.platform, []).append((r.score, r.format))
    for platform, items in sorted(by_platform.items()):
        if len(items) >= 2:
            items.sort(key=lambda item: -item[0])
            (best, best_format), (worst, worst_format) = items[0], items[-1]
            out.append(
                f"On {platform}, {best_format} posts score {best:.1f} against {worst:.1f} "
                f"for {worst_format}: make more {best_format} posts."
            )
    recent = {**window, "since": until - timedelta(days=30)}
    topics = sql.many(conn, Q.topic_scores, recent, Scored)
    scores = [r.score for r in topics if r.score is not None]
    if len(scores) >= 2:
        middle = statistics.median(scores)
        for r in sorted(topics, key=lambda r: r.score or 0):
            if r.score is not None and r.score < 0.8 * middle:
                out.append(
                    f"Rest the topic \u201c{r.topic[:60]}\u201d for a couple of weeks: {r.n} posts in 30 days "
                    f"scored {r.score:.1f}, below your typical {middle:.1f}."
                )
    return out or ["Not enough posts yet for suggestions (each needs at least 2 posts to compare)."]


def _fmt(value: float | None, pct: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2%}" if pct else f"{value:.1f}"


def _md_table(title: str, rows: list[TableRow]) -> list[str]:
    out = [f"### {title}", "", "| | posts | exposure | engagements | rate | score | score, 4 weeks before |"]
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(
            f"| {r.key} | {r.posts} | {r.exposure:,} | {r.engagements:,} | {_fmt(r.engagement_rate, True)} "
            f"| {_fmt(r.engagement_score)} | {_fmt(r.previous_score)} |"
        )
    if not rows:
        out.append("| (no posts) | | | | | | |")
    return [*out, ""]


def render_markdown(review: WeeklyReview, chart_name: str) -> str:
    t, p = review.totals, review.previous
    lines = [
        f"# Weekly review {review.week} ({review.starts:%d %b} to {review.ends:%d %b %Y}, {review.timezone})",
        "",
        f"_{review.freshness.as_of_local}._ Engagement score = weighted engagements (comment 3, share 2, save 2,"
        " like 1) per 1,000 exposures; compare it within a platform.",
        *(f"> Incomplete: {s}" for s in review.freshness.stale_accounts),
        "",
        f"![12-week trend]({chart_name})",
        "",
        f"**{t.posts} posts, {t.exposure:,} exposure, {t.engagements:,} engagements, rate "
        f"{_fmt(t.engagement_rate, True)}, score {_fmt(t.engagement_score)}** "
        f"(the {BASELINE_WEEKS} weeks before: score {_fmt(p.engagement_score)}, {p.posts} posts).",
        "",
        "## What worked",
        "",
        *(f"- **{w.text or '(no text)'}**: {w.why}." for w in review.worked),
        *(["- Nothing measured this week yet."] if not review.worked else []),
        "",
        "## What did not",
        "",
        *(f"- **{d.text or '(no text)'}**: {d.why}." for d in review.did_not),
        *(["- Too few posts this week to name a bottom group."] if not review.did_not else []),
        "",
        "## Tables",
        "",
        *_md_table("Per platform", review.platforms),
        *_md_table("Per language", review.languages),
        *_md_table("Per format", review.formats),
        "## Flagged posts",
        "",
        *(f"- {f.platform}, {f.published_local}: **{f.text}**: {'; '.join(f.flags)}." for f in review.flagged),
        *(
            ["- None: no post fell far below your reach, none had reach without engagement."]
            if not review.flagged
            else []
        ),
        "",
        "## Suggestions",
        "",
        *(f"- {s}" for s in review.suggestions),
        "",
        *(render_learning(review.learning, ZoneInfo(review.timezone)) if review.learning is not None else []),
    ]
    return "\n".join(lines)


def draw_trend(review: WeeklyReview, path: Path) -> PlottedTrend:
    """The review's 12-week trend as a PNG at ``path`` (weeks up to the review's, in its zone)."""
    title = f"Weekly trend up to {review.week} ({review.timezone})"
    return trend_chart(review.trend, path, title=title, last_monday=review.starts, zone=review.timezone)


def write_report(review: WeeklyReview, workspace: Path) -> ReportFiles:
    """Save ``reports/review-<week>.md`` and ``reports/review-<week>.png`` (replacing older ones of that week)."""
    folder = workspace / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    chart = folder / f"review-{review.week}.png"
    draw_trend(review, chart)
    markdown = folder / f"review-{review.week}.md"
    markdown.write_text(render_markdown(review, chart.name), encoding="utf-8")
    return ReportFiles(markdown=markdown, chart=chart, review=review)

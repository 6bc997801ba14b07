"""What a week's plan is made from, read from the hub: the posts already going out, the series episodes
due, the candidate topics in order (ready ideas, remix, recycle, ideas proposed for the plan or made from
a trend), the best posting hours the analytics found, and the preference model (:mod:`learned`). Nothing
here decides; :mod:`allocate` does."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.plan.allocate import WeekInput, infer_angle
from psn_core.services.plan.errors import PlanInputInvalid
from psn_core.services.plan.models import Busy, Candidate, DueSeries, PlanSlot
from psn_core.strategy.model import Strategy
from psn_core.strategy.slots import wall_instant

Q = Queries.load(__package__)

REMIX_DAYS = 90
RECYCLE_AFTER_DAYS = 60
RECYCLE_UNTIL_DAYS = 365
TOP_POSTS = 10
MAX_IDEAS = 500
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


class _IdeaRow(BaseModel):
    id: UUID
    text: str
    pillar: str | None
    platform: str | None
    language: str
    state: str
    source: str


class _TopPost(BaseModel):
    post_id: UUID
    language: str
    platforms: list[str]
    topic: str
    pillar: str | None
    score: float | None


class _Hour(BaseModel):
    platform: str
    hour: int


def parse_week(week: str | date | None, zone: str, now: datetime) -> date:
    """The Monday of the ISO week holding ``week`` (a date, YYYY-MM-DD or YYYY-Www); by default the week
    ahead in ``zone`` at ``now``: this week, but next week on a Sunday (the day people plan their week,
    when this week has no day left to plan).

    Raises:
        PlanInputInvalid: neither a date nor an ISO week.
    """
    if week is None:
        day = now.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    elif isinstance(week, date):
        day = week
    else:
        text = week.strip()
        match = _WEEK.match(text)
        try:
            day = date.fromisocalendar(int(match[1]), int(match[2]), 1) if match else date.fromisoformat(text)
        except ValueError:
            raise PlanInputInvalid(
                f"{week!r} is not a day (YYYY-MM-DD) or an ISO week (YYYY-Www); no plan was made."
            ) from None
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def week_bounds(monday: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants of the week's first local midnight and of the next Monday's."""
    tz = ZoneInfo(zone)
    return wall_instant(monday, time(0), tz), wall_instant(monday + timedelta(days=7), time(0), tz)


def _avoided(text: str, avoid: list[str]) -> bool:
    folded = text.lower()
    return any(topic.lower() in folded for topic in avoid)


def due_series(conn: Conn, start: datetime, end: datetime, zone: str, kept: list[PlanSlot]) -> list[DueSeries]:
    """Series episodes due in [start, end) with no post yet (scheduled or a draft) and not in a kept slot."""
    from psn_core.services.series import due_episodes

    held = {(s.series_id, s.occurrence_at) for s in kept if s.series_id is not None}
    return [
        DueSeries(
            series_id=e.series_id,
            name=e.name,
            pillar=e.pillar,
            platforms=list(e.platforms),
            episode_number=e.episode_number,
            label=e.label,
            due_at=e.due_at,
        )
        for e in due_episodes(conn, start=start, end=end, zone=ZoneInfo(zone))
        if not e.already_scheduled and e.post_id is None and (e.series_id, e.due_at) not in held
    ]


def idea_candidates(
    conn: Conn, member_id: UUID, avoid: list[str], *, now: datetime | None = None, plan_id: UUID | None = None
) -> list[Candidate]:
    """Ready ideas (tier 0), then ideas proposed for a plan or made from a trend and not yet rated (tier 3),
    oldest first. With ``now`` (planning a week) ideas held by a planned slot of another open plan are left
    out."""
    params = {"member_id": member_id, "limit": MAX_IDEAS, "held_elsewhere": now is not None, "plan_id": plan_id}
    rows = sql.many(conn, Q.ready_ideas, {**params, "now": now}, _IdeaRow)
    return [
        Candidate(
            key=f"idea:{row.id}",
            kind="idea",
            tier=0 if row.state == "ready" else 3,
            topic=row.text,
            pillar=row.pillar,
            angle=infer_angle(row.text),
            language=row.language,
            platform=row.platform,
            idea_id=row.id,
            source=row.source,
        )
        for row in rows
        if not _avoided(row.text, avoid)
    ]


def post_candidates(
    conn: Conn, member_id: UUID, avoid: list[str], now: datetime, plan_id: UUID | None
) -> list[Candidate]:
    """Remix (top posts of the last 90 days, for a platform they did not run on) then recycle (top posts
    older than 60 days, told with a new angle); a post is offered once."""
    params = {"member_id": member_id, "plan_id": plan_id, "limit": TOP_POSTS, "until": now}
    remix = sql.many(conn, Q.top_posts, {**params, "since": now - timedelta(days=REMIX_DAYS)}, _TopPost)
    recycle = sql.many(
        conn,
        Q.top_posts,
        {
            **params,
            "since": now - timedelta(days=RECYCLE_UNTIL_DAYS),
            "until": now - timedelta(days=RECYCLE_AFTER_DAYS),
        },
        _TopPost,
    )
    out: list[Candidate] = []
    seen: set[UUID] = set()
    for kind, tier, rows in (("remix", 1, remix), ("recycle", 2, recycle)):
        for row in rows:
            if row.post_id in seen or not row.topic or _avoided(row.topic, avoid):
                continue
            seen.add(row.post_id)
            out.append(
                Candidate(
                    key=f"{kind}:{row.post_id}",
                    kind=kind,  # type: ignore[arg-type]
                    tier=tier,
                    topic=row.topic,
                    pillar=row.pillar,
                    angle=infer_angle(row.topic) if kind == "remix" else None,
                    language=row.language,
                    avoid_platforms=row.platforms if kind == "remix" else [],
                    source_post_id=row.post_id,
                    score=row.score,
                )
            )
    return out


def best_hours(conn: Conn, member_id: UUID, zone: str, now: datetime) -> dict[str, list[int]]:
    """Per platform, the local hours its posts did best at over 90 days (once there is enough data)."""
    params = {"member_id": member_id, "zone": zone, "since": now - timedelta(days=REMIX_DAYS), "until": now}
    out: dict[str, list[int]] = {}
    for row in sql.many(conn, Q.best_hours, params, _Hour):
        out.setdefault(row.platform, []).append(row.hour)
    return out


def gather(
    conn: Conn,
    member_id: UUID,
    strategy: Strategy,
    monday: date,
    zone: str,
    now: datetime,
    plan_id: UUID | None,
    kept: list[PlanSlot],
) -> WeekInput:
    """Everything :func:`allocate.allocate` needs for the week starting ``monday`` (with what the member's
    preference model says: see :mod:`learned`)."""
    from psn_core.services.plan import learned

    start, end = week_bounds(monday, zone)
    busy = sql.many(conn, Q.week_busy, {"member_id": member_id, "start": start, "end": end, "plan_id": plan_id}, Busy)
    week = WeekInput(
        week_start=monday,
        zone=zone,
        now=now,
        strategy=strategy,
        busy=busy,
        kept=kept,
        due=due_series(conn, start, end, zone, kept),
        candidates=idea_candidates(conn, member_id, strategy.avoid_topics, now=now, plan_id=plan_id)
        + post_candidates(conn, member_id, strategy.avoid_topics, now, plan_id),
        best_hours=best_hours(conn, member_id, zone, now),
    )
    return learned.apply(week, learned.load(conn, member_id))

"""Which episodes are due: the occurrences of the visible active series in a window, numbered, labelled,
and whether a post is already scheduled (or published) for each.

Numbering: episodes get their numbers when they are published (the hub counts them), so an occurrence's
number is a projection: after the episodes published, the posts of the series still waiting to go out and
the occurrences of the window with no post take the following numbers in time order. An occurrence with a
published post shows that post's number.

Which occurrence a post is for: the one nearest to the occurrence it was drafted for when the caller
said so (``occurrence_at``), otherwise to when it goes out (or went out); within a month, or none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.series import cadence as cadences
from psn_core.services.series.labels import label
from psn_core.services.series.models import DueEpisode, Series
from psn_core.services.series.store import load

Q = Queries.load(__package__)

# How far beyond the window occurrences are looked for, to match posts to their nearest occurrence.
MARGIN = timedelta(days=62)


class PostTime(BaseModel):
    series_id: UUID
    post_id: UUID
    occurrence_at: datetime | None
    at: datetime | None
    stage: str  # published, scheduled (or waiting for approval), draft, dropped
    episode_number: int | None


def post_times(conn: Conn, ids: list[UUID]) -> dict[UUID, list[PostTime]]:
    """The posts of these series, by series."""
    out: dict[UUID, list[PostTime]] = {i: [] for i in ids}
    for row in sql.many(conn, Q.series_post_times, {"ids": ids}, PostTime):
        out[row.series_id].append(row)
    return out


def _nearest(moment: datetime, candidates: list[datetime]) -> datetime | None:
    """The occurrence nearest to ``moment``, if one is within a month of it (a yearly series' post of last
    year is no post for this year's occurrence)."""
    best = min(candidates, key=lambda c: (abs(c - moment), c)) if candidates else None
    return best if best is not None and abs(best - moment) <= MARGIN / 2 else None


def _match(posts: list[PostTime], around: list[datetime]) -> dict[datetime, PostTime]:
    """Each occurrence (of those near the window) with the post made for it (published before scheduled)."""
    rank = {"published": 0, "scheduled": 1, "draft": 2}
    matched: dict[datetime, PostTime] = {}
    for post in posts:
        if post.stage not in rank:
            continue
        anchor = post.occurrence_at or post.at  # the occurrence it was made for, else when it goes out
        when = _nearest(anchor, around) if anchor else None
        if when is None:
            continue
        current = matched.get(when)
        if current is None or rank[post.stage] < rank[current.stage]:
            matched[when] = post
    return matched


def _due(series: Series, posts: list[PostTime], start: datetime, end: datetime, zone: ZoneInfo) -> list[DueEpisode]:
    own_zone = cadences.zone_of(series.timezone)
    around = list(
        cadences.occurrences(series.rrule, series.starts_on, series.time_of_day, own_zone, start - MARGIN, end + MARGIN)
    )
    window = [moment for moment in around if start <= moment < end]
    matched = _match(posts, around)
    # what takes the next numbers, in time order: posts waiting to go out, then free occurrences of the window
    waiting = [(p.at or p.occurrence_at or end, 0, p.post_id.hex) for p in posts if p.stage == "scheduled"]
    free = [(moment, 1, "") for moment in window if moment not in matched or matched[moment].stage == "draft"]
    order = sorted(waiting + free)
    base = series.first_episode + series.episodes_published
    numbers = {(when, key): base + i for i, (when, _, key) in enumerate(order)}
    out = []
    for moment in window:
        post = matched.get(moment)
        if post is not None and post.stage == "published" and post.episode_number is not None:
            number = post.episode_number
        elif post is not None and post.stage == "scheduled":
            number = numbers[(post.at or post.occurrence_at or end, post.post_id.hex)]
        else:
            number = numbers[(moment, "")]
        out.append(
            DueEpisode(
                series_id=series.id,
                name=series.name,
                slug=series.slug,
                pillar=series.pillar,
                format=series.format,
                platforms=list(series.platforms),
                episode_number=number,
                label=label(series.label_pattern, number, series.season_length),
                due_at=moment,
                local_time=f"{moment.astimezone(zone):%a %Y-%m-%d %H:%M} ({zone.key})",
                template=series.template,
                already_scheduled=post is not None and post.stage in ("published", "scheduled"),
                post_id=post.post_id if post is not None else None,
            )
        )
    return out


def due_episodes(conn: Conn, *, start: datetime, end: datetime, zone: ZoneInfo) -> list[DueEpisode]:
    """The visible member's active series' occurrences in [start, end), in time order (then by series name).
    Each series is evaluated in its own zone (the zone it was created in: the user's); ``zone`` is the
    viewer's, for the local times shown.

    Raises:
        ValueError: ``start`` or ``end`` is naive, or ``end`` is not after ``start``.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("due_episodes needs aware datetimes")
    if end <= start:
        raise ValueError("due_episodes needs end after start")
    series = load(conn, None, ["active"])
    times = post_times(conn, [s.id for s in series])
    episodes = [ep for s in series for ep in _due(s, times[s.id], start, end, zone)]
    return sorted(episodes, key=lambda e: (e.due_at, e.name, str(e.series_id)))

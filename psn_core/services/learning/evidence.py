"""Weeks of evidence: the complete weeks the learning loop judges, and when psn last changed a field.

Only complete weeks count (Monday to Sunday in the member's zone, before the current week), and only
weeks that began (in the member's zone) after psn's last automatic change of the same field: each step
needs fresh evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.learning.posts import PostCell, window_posts
from psn_core.services.strategy import recent_changes

Q = Queries.load(__package__)
LOOKBACK_WEEKS = 6
NEEDED_WEEKS = 3  # an automatic change needs this many weeks in a row saying the same


@dataclass
class Evidence:
    """The complete weeks looked at (newest first) and their posts."""

    zone: ZoneInfo
    mondays: list[date]
    posts: list[PostCell]
    by_week: dict[date, list[PostCell]] = field(default_factory=dict)
    published: dict[tuple[date, str], int] = field(default_factory=dict)  # (Monday, platform): posts published

    def __post_init__(self) -> None:
        grouped: dict[date, list[PostCell]] = defaultdict(list)
        for p in self.posts:
            grouped[p.week].append(p)
        self.by_week = dict(grouped)

    def week(self, monday: date) -> list[PostCell]:
        return self.by_week.get(monday, [])


@dataclass
class _Published:
    platform: str
    week: date
    n: int


def current_monday(now: datetime, zone: ZoneInfo) -> date:
    today = now.astimezone(zone).date()
    return today - timedelta(days=today.weekday())


def gather(conn: Conn, member_id: UUID, zone: ZoneInfo, now: datetime, weeks: int = LOOKBACK_WEEKS) -> Evidence:
    """The last ``weeks`` complete weeks before ``now``'s week, newest first, with their measured posts."""
    monday = current_monday(now, zone)
    mondays = [monday - timedelta(weeks=n) for n in range(1, weeks + 1)]
    since = datetime.combine(mondays[-1], time(), zone)
    until = datetime.combine(monday, time(), zone)
    params = {"member": member_id, "zone": zone.key, "since": since, "until": until}
    published = {(r.week, r.platform): r.n for r in sql.many(conn, Q.window_published, params, _Published)}
    return Evidence(
        zone=zone,
        mondays=mondays,
        posts=window_posts(conn, member_id, zone, since, until),
        published=published,
    )


def last_auto_change(workspace: Path, path: str) -> datetime | None:
    """When psn last changed ``path`` by itself (None: never)."""
    latest: datetime | None = None
    for entry in recent_changes(workspace, limit=1000):
        if entry.get("actor") != "psn" or entry.get("path") != path:
            continue
        try:
            at = datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            continue
        if at.tzinfo is None:
            continue
        latest = at if latest is None or at > latest else latest
    return latest


def fresh_mondays(evidence: Evidence, workspace: Path, path: str) -> list[date]:
    """The weeks (newest first) that began, in the member's zone, at or after psn's last automatic change of
    ``path``: the weekly task runs at a fixed UTC hour, which is still the week before in the Americas, so a
    week that was mostly before the change never counts as fresh evidence."""
    last = last_auto_change(workspace, path)
    return [m for m in evidence.mondays if last is None or datetime.combine(m, time(), evidence.zone) >= last]

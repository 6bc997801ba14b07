"""The calendar: what is due in a day, a week or a month, in the personal hub and in every connected
company hub side by side, grouped by the user's local days, with overlap warnings.

Periods are the ones a calendar shows: ``day`` is the date, ``week`` the Monday-to-Sunday week holding it,
``month`` the calendar month holding it. The date defaults to today in the user's zone, from the caller's
clock. A day runs from one local midnight to the next (resolved with zoneinfo), so around a DST change a
day lasts 23 or 25 hours and every post still lands on the day its local time says.

Overlaps (:data:`OVERLAP_WINDOW`, two hours): two posts on the same platform within two hours of each other,
when they go to the same account (the same followers see both back to back) or come from different hubs
(your personal post and a company's post compete for the same people's attention there). Two accounts of
one hub are not an overlap (a brand may run two X accounts on purpose). Only posts that go or went out
count: pending approval, scheduled, publishing, published. Posts up to two hours outside the period are
read too, so an overlap across the period's edge is still reported.

A company hub that cannot be reached (or refuses this workspace) is listed with its problem; the rest of
the calendar still comes back. Times are shown in the user's zone, with the zone named.

Every post has a badge (scheduled, publishing, published, failed, pending approval, draft); each day also
lists its slots (:mod:`.calendar_slots`): the strategy's preferred times nothing fills yet (empty slot) and
the company slots members claimed (claimed slot).
"""

from __future__ import annotations

import calendar as monthdays
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.calendar_slots import SlotEntry, badge_of, show_time

Q = Queries.load(__package__)

Period = Literal["day", "week", "month"]
PERSONAL = "personal"
OVERLAP_WINDOW = timedelta(hours=2)
GOES_OUT = frozenset({"pending_approval", "scheduled", "publishing", "published"})
OVERLAP_RULE = (
    "Two posts on the same platform within 2 hours of each other, on the same account or from different hubs "
    "(personal and a company); only posts pending approval, scheduled, publishing or published count."
)
TEXT_CHARS = 120


class CalendarEntry(BaseModel):
    hub: str = Field(description='"personal", or the company\'s short name.')
    hub_name: str
    post_id: UUID
    target_id: UUID
    platform: str
    handle: str
    status: str
    badge: str = Field(description="scheduled, publishing, published, failed, pending approval or draft.")
    at: datetime = Field(description="When it is due, UTC.")
    local_time: str = Field(description="When it is due, in the user's zone (zone named).")
    persona: str
    idea: str
    author: str | None = Field(description="Who wrote it (company hubs); null when the hub does not say.")
    text: str = Field(description="The first line of the first part, shortened: quoted content, not instructions.")
    parts: int
    error: str | None
    what_to_do: str | None


class CalendarDay(BaseModel):
    date: date
    label: str = Field(description="The local day, e.g. Mon 23 Mar 2026.")
    entries: list[CalendarEntry] = Field(description="Every hub's posts of that day, by time.")
    slots: list[SlotEntry] = Field(
        default=[], description="That day's claimed slots (company hubs) and empty slots at the strategy's times."
    )


class HubStatus(BaseModel):
    hub: str
    name: str
    reachable: bool
    entries: int
    problem: str | None = None
    what_to_do: str | None = None


class Overlap(BaseModel):
    kind: Literal["same_account", "across_hubs", "claimed_slot"]
    platform: str
    minutes_apart: int
    target_ids: list[UUID]
    message: str


class Calendar(BaseModel):
    period: Period
    timezone: str = Field(description="The user's IANA zone: every local time below is in it.")
    first_day: date
    last_day: date
    hubs: list[HubStatus] = Field(description="The personal hub first, then each connected company hub.")
    days: list[CalendarDay] = Field(description="Every day of the period, in order, empty ones included.")
    overlaps: list[Overlap]
    overlap_rule: str = OVERLAP_RULE
    slots_note: str = Field(default="", description="Where the empty slots come from (or why there are none).")


@dataclass(frozen=True)
class Window:
    """A period as local days and as the UTC instants of their first and next-after-last midnights."""

    period: Period
    first: date
    last: date
    start: datetime
    end: datetime


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, UTC. A midnight that a DST change skips resolves, with
    fold 0, to the instant the clocks jump to (the day then starts at 01:00)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_window(period: Period, start: date | None, zone: ZoneInfo, now: datetime) -> Window:
    """The local days of ``period`` holding ``start`` (default: today in ``zone`` at ``now``)."""
    day = start or now.astimezone(zone).date()
    if period == "day":
        first = last = day
    elif period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    else:
        first = day.replace(day=1)
        last = day.replace(day=monthdays.monthrange(day.year, day.month)[1])
    return Window(period, first, last, day_start(first, zone), day_start(last + timedelta(days=1), zone))


class _Row(BaseModel):
    id: UUID
    post_id: UUID
    account_id: UUID
    platform: str
    handle: str
    status: str
    due_at: datetime
    published_at: datetime | None
    error_message: str | None
    error_action: str | None
    persona: str
    idea: str
    author: str | None
    text: str
    parts: int


@dataclass(frozen=True)
class HubRead:
    entry: CalendarEntry
    account_id: UUID


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= TEXT_CHARS else first[: TEXT_CHARS - 3].rstrip() + "..."


def read_hub(conn: Conn, member_id: UUID | None, hub: str, name: str, window: Window, zone: ZoneInfo) -> list[HubRead]:
    """A hub's posts due in the window, two hours either side included (for overlaps at its edges)."""
    params = {"member_id": member_id, "start": window.start - OVERLAP_WINDOW, "end": window.end + OVERLAP_WINDOW}
    out = []
    for row in sql.many(conn, Q.calendar_targets, params, _Row):
        entry = CalendarEntry(
            hub=hub,
            hub_name=name,
            post_id=row.post_id,
            target_id=row.id,
            platform=row.platform,
            handle=row.handle,
            status=row.status,
            badge=badge_of(row.status),
            at=row.due_at,
            local_time=show_time(row.due_at, zone),
            persona=row.persona,
            idea=row.idea,
            author=row.author,
            text=_short(row.text),
            parts=row.parts,
            error=row.error_message,
            what_to_do=row.error_action,
        )
        out.append(HubRead(entry, row.account_id))
    return out


def find_overlaps(reads: list[HubRead], window: Window) -> list[Overlap]:
    """Every pair breaking the overlap rule (module docstring) with at least one post inside the window."""
    live = sorted((r for r in reads if r.entry.status in GOES_OUT), key=lambda r: r.entry.at)
    found = []
    for i, first in enumerate(live):
        for second in live[i + 1 :]:
            a, b = first.entry, second.entry
            apart = b.at - a.at
            if apart > OVERLAP_WINDOW:
                break
            if a.platform != b.platform or not (window.start <= a.at < window.end or window.start <= b.at < window.end):
                continue
            same_account = a.hub == b.hub and first.account_id == second.account_id
            if not same_account and a.hub == b.hub:
                continue
            minutes = int(apart.total_seconds() // 60)
            platform = PLATFORMS[a.platform].display_name
            where = (
                f"on {platform} @{a.handle}"
                if same_account
                else f"on {platform}: {a.hub_name} @{a.handle} and {b.hub_name} @{b.handle}"
            )
            found.append(
                Overlap(
                    kind="same_account" if same_account else "across_hubs",
                    platform=a.platform,
                    minutes_apart=minutes,
                    target_ids=[a.target_id, b.target_id],
                    message=f"Two posts {minutes} minutes apart {where} ({a.local_time} and {b.local_time}).",
                )
            )
    return found


def assemble(
    window: Window,
    zone: ZoneInfo,
    hubs: list[HubStatus],
    reads: list[HubRead],
    slots: list[SlotEntry] | None = None,
    slot_overlaps: list[Overlap] | None = None,
) -> Calendar:
    """The calendar of ``window`` from every hub's rows (those outside it only count for overlaps) and
    its slots (claimed and empty) in the window."""
    inside = sorted(
        (r.entry for r in reads if window.start <= r.entry.at < window.end),
        key=lambda e: (e.at, e.hub != PERSONAL, e.hub, e.platform, e.handle),
    )
    by_day: dict[date, list[CalendarEntry]] = {}
    for entry in inside:
        by_day.setdefault(entry.at.astimezone(zone).date(), []).append(entry)
    slots_by_day: dict[date, list[SlotEntry]] = {}
    for slot in sorted(slots or [], key=lambda s: (s.at, s.hub != PERSONAL, s.hub, s.platform, s.handle)):
        if window.start <= slot.at < window.end:
            slots_by_day.setdefault(slot.at.astimezone(zone).date(), []).append(slot)
    days = []
    day = window.first
    while day <= window.last:
        label = f"{day:%a %-d %b %Y}"
        days.append(CalendarDay(date=day, label=label, entries=by_day.get(day, []), slots=slots_by_day.get(day, [])))
        day += timedelta(days=1)
    counted = {h.hub: sum(1 for e in inside if e.hub == h.hub) for h in hubs}
    return Calendar(
        period=window.period,
        timezone=zone.key,
        first_day=window.first,
        last_day=window.last,
        hubs=[h.model_copy(update={"entries": counted[h.hub]}) for h in hubs],
        days=days,
        overlaps=find_overlaps(reads, window) + (slot_overlaps or []),
    )

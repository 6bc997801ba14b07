"""Where every test clock starts: one instant for the whole run, never the real now.

By default it is an ordinary moment (a Wednesday mid-June, midday in Europe, morning in the US, far
from any month end or DST change). ``PSN_TEST_START`` (an ISO instant with its offset, e.g.
``2026-11-28T23:30+01:00``) moves it, so the tests marked ``dates`` can be run again on hard dates:
a Saturday night, the last day of a year, the nights the clocks change (``./scripts/test`` does).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psn_core.emulator import ManualClock

DEFAULT_START = datetime(2026, 6, 17, 10, 0, tzinfo=UTC)


def start_instant() -> datetime:
    """The run's start instant, in UTC: PSN_TEST_START if set, else DEFAULT_START.

    Raises:
        ValueError: PSN_TEST_START is not an ISO instant with an offset.
    """
    raw = os.environ.get("PSN_TEST_START", "").strip()
    if not raw:
        return DEFAULT_START
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"PSN_TEST_START needs an offset (e.g. 2026-11-28T23:30+01:00), got {raw!r}")
    return moment.astimezone(UTC)


def start_clock() -> ManualClock:
    """A manual clock at the run's start instant; tests move it with ``advance``."""
    return ManualClock(start_instant())


def _wall_times(zone: str, around: date, at: time) -> list[datetime]:
    """The instants (UTC) of the wall-clock time ``at`` in ``zone`` on the days around ``around``, in
    order; a day whose clocks skip ``at`` (a DST gap) has none, one where it repeats gives the first."""
    tz = ZoneInfo(zone)
    out = []
    for offset in range(-2, 3):
        local = datetime.combine(around + timedelta(days=offset), at, tzinfo=tz)
        moment = local.astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
            out.append(moment)
    return out


def last_local(moment: datetime, zone: str, at: time) -> datetime:
    """The latest instant at or before ``moment`` when the clocks in ``zone`` read ``at``, in UTC."""
    day = moment.astimezone(ZoneInfo(zone)).date()
    return max(m for m in _wall_times(zone, day, at) if m <= moment)


def next_local(moment: datetime, zone: str, at: time) -> datetime:
    """The first instant after ``moment`` when the clocks in ``zone`` read ``at``, in UTC."""
    day = moment.astimezone(ZoneInfo(zone)).date()
    return min(m for m in _wall_times(zone, day, at) if m > moment)

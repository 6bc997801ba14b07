"""The strategy's preferred times as instants: wall-clock times in the user's zone, DST-safe.

A time the clocks skip (02:30 on a spring-forward night) moves forward by the gap (03:30); a time that
happens twice (an autumn night) is its first occurrence. Never uses the real clock: callers
pass the days they want (the plan's week, the calendar's month).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psn_core.strategy.model import DAYS, Platform, Strategy


def wall_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant when the clocks in ``zone`` read ``at`` on ``day`` (see the module docstring)."""
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def preferred_slots(strategy: Strategy, platform: Platform, first: date, last: date, zone: str) -> list[datetime]:
    """The platform's preferred times from ``first`` to ``last`` (inclusive local days), in UTC, sorted."""
    tz = ZoneInfo(zone)
    out: set[datetime] = set()
    day = first
    while day <= last:
        weekday = DAYS[day.weekday()]
        for window in strategy.times.get(platform, []):
            if weekday in window.days:
                for text in window.at:
                    hours, minutes = (int(part) for part in text.split(":"))
                    out.add(wall_instant(day, time(hours, minutes), tz))
        day += timedelta(days=1)
    return sorted(out)

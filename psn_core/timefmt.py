"""Times shown to people: always in their zone, with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(instant: datetime | None, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """``2026-11-25 14:05 (Europe/Madrid)``; ``never`` for None."""
    if instant is None:
        return "never"
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    shown = instant.astimezone(zone)
    return f"{shown:%Y-%m-%d %H:%M{':%S' if seconds else ''}} ({zone.key})"


def until(instant: datetime, now: datetime) -> str:
    """How far ``instant`` is from ``now``, as people say it: 'in 59 days', '3 hours ago', 'in 12 minutes',
    'in a moment'. One whole unit, as humanize rounds it (see ``span``); days
    stay days (no '2 months' for 59 days). Naive instants are taken as UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    delta = instant - now
    return f"{span(-delta)} ago" if delta < timedelta(0) else f"in {span(delta)}"


def span(length: timedelta) -> str:
    """A length of time in one whole unit, as humanize says it: '59 days', '3 hours', 'a minute'."""
    import humanize  # imported here: the CLI starts without it

    return humanize.naturaldelta(abs(length), months=False)

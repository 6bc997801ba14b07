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
    """A human distance: 'in 3 days', 'in 2 hours', '5 minutes ago'."""
    delta = instant - now
    past = delta < timedelta(0)
    delta = abs(delta)
    if delta >= timedelta(days=2):
        text = f"{delta.days} days"
    elif delta >= timedelta(hours=2):
        text = f"{int(delta.total_seconds() // 3600)} hours"
    elif delta >= timedelta(minutes=2):
        text = f"{int(delta.total_seconds() // 60)} minutes"
    else:
        text = f"{int(delta.total_seconds())} seconds"
    return f"{text} ago" if past else f"in {text}"

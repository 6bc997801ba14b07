"""Turning "2026-03-29 02:30" in the user's zone into one UTC instant, honestly.

Wall-clock times that do not exist (the spring-forward gap) are refused with the nearest valid time;
times that happen twice (the autumn fall-back) take the first occurrence and say so. Every answer
echoes both the local time with its zone and the UTC instant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from psn_core.errors import InvalidSchedule

_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
PAST_GRACE = timedelta(minutes=1)


class ScheduleTime(BaseModel):
    utc: datetime
    local: datetime  # naive wall-clock time in ``zone``
    zone: str
    note: str | None = None

    def echo(self) -> str:
        """``2026-11-26 09:00 (Europe/Madrid) = 2026-11-26 08:00 UTC``."""
        text = f"{self.local:%Y-%m-%d %H:%M} ({self.zone}) = {self.utc:%Y-%m-%d %H:%M} UTC"
        return f"{text}; {self.note}" if self.note else text


def parse_local(text: str) -> datetime:
    """A wall-clock time as typed (no zone), or an ISO time with an offset.

    Raises:
        InvalidSchedule: not a time psn understands.
    """
    cleaned = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidSchedule(f"{text!r} is not a time psn understands.") from None


def resolve(when: str | datetime, zone_name: str, now: datetime) -> ScheduleTime:
    """The UTC instant for a local time in ``zone_name``.

    Raises:
        InvalidSchedule: the time does not exist in that zone, or it has already passed.
    """
    zone = ZoneInfo(zone_name)
    wall = parse_local(when) if isinstance(when, str) else when
    note = None
    if wall.tzinfo is not None:
        utc = wall.astimezone(UTC)
        local = utc.astimezone(zone).replace(tzinfo=None)
    else:
        local = wall.replace(microsecond=0)
        first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
            after = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)  # the same instant, as shown
            raise InvalidSchedule(
                f"{local:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks jump forward that night.",
                f"Pick a time after the change, e.g. {after:%Y-%m-%d %H:%M}.",
            )
        if first.utcoffset() != second.utcoffset():
            note = (
                f"{local:%H:%M} happens twice that night in {zone_name} (clocks go back); "
                f"using the first one ({first.tzname()})"
            )
        utc = first.astimezone(UTC)
    if utc < now - PAST_GRACE:
        raise InvalidSchedule(
            f"{local:%Y-%m-%d %H:%M} ({zone_name}) has already passed.",
            "Pick a time in the future, or publish now.",
        )
    return ScheduleTime(utc=utc, local=local, zone=zone_name, note=note)

"""Cadences: weekly, biweekly, monthly, or any RFC 5545 RRULE, evaluated with python-dateutil in the
series' zone. The rule runs over wall times (naive local datetimes from the first day at the time of day),
so 09:00 stays 09:00 across DST changes; each wall time then becomes its instant in the zone. A wall time
the clocks skip (spring forward) is read with the offset before the change (02:30 becomes 03:30); one
they repeat (fall back) is the first of the two.

A rule must fire within HORIZON of the later of its first day and now: a rule that never does (UNTIL in
the past, COUNT=0, the 31st of February) is refused before anything is saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psn_core.services.series.errors import SeriesInputInvalid

if TYPE_CHECKING:
    from dateutil.rrule import rrule

HORIZON = timedelta(days=5 * 366)
_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_REFUSED_PARTS = {"BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART"}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone ``name``.

    Raises:
        SeriesInputInvalid: not a zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SeriesInputInvalid(f"{name!r} is not an IANA time zone.", "Use a zone like Europe/Madrid.") from exc


def rule_text(cadence: str, starts_on: date, rule: str | None) -> str:
    """The RRULE a cadence stands for: weekly and biweekly on the first day's weekday, monthly on its day
    of the month (a first day after the 28th: the last day of each month); ``rule`` for ``rrule``.

    Raises:
        SeriesInputInvalid: an unknown cadence, a rule with an rrule cadence missing, or one without.
    """
    if cadence == "rrule":
        if not rule or not rule.strip():
            raise SeriesInputInvalid("An rrule cadence needs its rule.", "Give --rrule 'FREQ=WEEKLY;BYDAY=TU'.")
        return normalise(rule)
    if rule:
        raise SeriesInputInvalid(f"A {cadence} cadence takes no rule.", "Use --cadence rrule with --rrule.")
    weekday = _WEEKDAYS[starts_on.weekday()]
    if cadence == "weekly":
        return f"FREQ=WEEKLY;BYDAY={weekday}"
    if cadence == "biweekly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
    if cadence == "monthly":
        return f"FREQ=MONTHLY;BYMONTHDAY={starts_on.day if starts_on.day <= 28 else -1}"
    raise SeriesInputInvalid(f"{cadence!r} is not a cadence.", "Use weekly, biweekly, monthly or rrule.")


def normalise(rule: str) -> str:
    """An RRULE as psn stores it: upper case, no 'RRULE:' prefix, parts as given.

    Raises:
        SeriesInputInvalid: not FREQ=...; a frequency finer than daily; a part psn sets itself.
    """
    text = rule.strip().upper()
    text = text.removeprefix("RRULE:")
    parts = [p for p in text.split(";") if p]
    keys = [p.split("=", 1)[0] for p in parts]
    if not parts or not parts[0].startswith("FREQ=") or any("=" not in p for p in parts) or "\n" in text:
        raise SeriesInputInvalid(
            f"{rule!r} is not an RRULE psn reads.", "Write one rule starting with FREQ=, e.g. FREQ=WEEKLY;BYDAY=TU."
        )
    freq = parts[0].split("=", 1)[1]
    if freq not in _FREQS:
        raise SeriesInputInvalid(
            f"FREQ={freq} is not a series cadence: a series fires at most daily.",
            f"Use FREQ= one of {', '.join(_FREQS)}.",
        )
    refused = sorted(set(keys) & _REFUSED_PARTS)
    if refused:
        raise SeriesInputInvalid(
            f"The rule sets {', '.join(refused)}, which psn sets itself.",
            "Leave the time out of the rule: give it with --at HH:MM (and the first day with --start).",
        )
    return ";".join(parts)


def _build(rule: str, starts_on: date, at: time, zone: ZoneInfo) -> rrule:
    from dateutil.rrule import rrule, rrulestr  # loaded when a cadence is first read (psn-mcp starts light)

    parts = []
    try:
        for part in rule.split(";"):
            key, _, value = part.partition("=")
            if key == "UNTIL" and value.endswith("Z"):
                # an UNTIL in UTC, as RFC 5545 writes it: the rule runs over wall times, so it is read in the zone
                instant = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                value = instant.astimezone(zone).strftime("%Y%m%dT%H%M%S")
            parts.append(f"{key}={value}")
        built = rrulestr(";".join(parts), dtstart=datetime.combine(starts_on, at))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise SeriesInputInvalid(f"The rule {rule!r} cannot be read: {exc}.", "Check it against RFC 5545.") from exc
    if not isinstance(built, rrule):
        raise SeriesInputInvalid(f"{rule!r} is not a single rule.", "Give one RRULE.")
    return built


def instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall time in ``zone`` (skipped: the offset before the change; repeated: the first)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrences(
    rule: str, starts_on: date, at: time, zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[datetime]:
    """The rule's instants (UTC) in [start, end), in order.

    Raises:
        SeriesInputInvalid: the rule cannot be read.
    """
    built = _build(rule, starts_on, at, zone)
    # wall-time bounds a day wider than the window (offsets), then exact instants
    low = start.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    high = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    for wall in built.between(low, high, inc=True):
        moment = instant(wall, zone)
        if start <= moment < end:
            yield moment


def check_fires(rule: str, starts_on: date, at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The rule's next instant after ``now`` (or its first day): what proves it fires.

    Raises:
        SeriesInputInvalid: it never fires within five years (UNTIL passed, COUNT=0, an impossible date).
    """
    begin = max(now, instant(datetime.combine(starts_on, time(0, 0)), zone))
    first = next(occurrences(rule, starts_on, at, zone, begin, begin + HORIZON), None)
    if first is None:
        raise SeriesInputInvalid(
            f"The cadence {rule!r} never fires from {begin.astimezone(zone):%Y-%m-%d} on "
            "(its UNTIL has passed, its COUNT is used up, or the dates it names do not exist); nothing was saved.",
            "Give a cadence that fires: weekly, biweekly, monthly, or a rule such as FREQ=WEEKLY;BYDAY=TU.",
        )
    return first

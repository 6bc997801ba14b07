"""Turning what the user typed ("2026-03-29 09:30", "tomorrow 9am", "in 2 hours") into one UTC instant,
honestly, in the user's zone.

Exact forms ('YYYY-MM-DD HH:MM', with 'T' or seconds; ISO 8601 with an offset) are read without any
library. Anything else is read by dateparser (imported lazily: it costs ~0.1-0.3 s), in English, as a
wall-clock time in the user's zone relative to an injected ``now`` (never the real clock here):

- "tomorrow 9am", "next monday 18:00", "friday 14:30", "9am", "noon tomorrow", "20 june 9am". A weekday
  or a time named alone means its next occurrence still ahead (on a Friday morning "friday 14:30" is
  today; "9am" typed at 10:00 is tomorrow's).
- "in 2 hours", "in 90 minutes", "2 hours from now": an elapsed time from now, exact across DST changes.
  "in 2 days" (days, weeks) keeps the wall-clock time, two days on.
- "now" is refused: to publish now, leave the time out.

Refused, each with what to type instead: words without a time of day ("tomorrow", "next week": psn
will not guess 00:00 or the current minute), numeric dates that are not ISO ("3/4": March 4 or April 3?
psn reads only year-month-day; write "2026-04-03" or "3 april"), a zone or offset written in words
("9am UTC": use the ISO form with an offset), wall times that do not exist (the spring-forward gap) or
happen twice (the autumn fall-back: say which with an offset), times already past, and word times more
than a year ahead (most likely a misreading). Every answer echoes both the
local time with its zone and the UTC instant.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from psn_core.errors import InvalidSchedule

_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
PAST_GRACE = timedelta(minutes=1)
WORDS_HORIZON = timedelta(days=366)
EXAMPLES = "'tomorrow 9am', 'next monday 18:00', 'in 2 hours' or '2026-11-26 09:00'"

_NON_ISO_DATE = re.compile(r"\b\d{1,4}/\d{1,2}\b|\b\d{1,2}[.-]\d{1,2}[.-]\d{2,4}\b")
_COUNT = r"(\d+|an?|half|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_DURATION = re.compile(rf"^\s*in\s+{_COUNT}\b|\bfrom\s+now\s*$", re.IGNORECASE)
_WALL_UNITS = re.compile(r"\b(days?|weeks?|months?|years?|fortnights?)\b", re.IGNORECASE)
_TIME_ONLY = re.compile(r"(at\s+)?(\d{1,2}([:.]\d{2})?\s*([ap]\.?m\.?)?|noon|midday|midnight)", re.IGNORECASE)


class ScheduleTime(BaseModel):
    utc: datetime
    local: datetime  # naive wall-clock time in ``zone``
    zone: str
    note: str | None = None

    def exact(self) -> str:
        """The instant as an ISO time with the zone's offset ('2026-11-26T09:00+01:00'): read back, it is
        this instant whatever the clock says then (words such as "in 2 hours" are read again each time)."""
        shown = self.utc.astimezone(ZoneInfo(self.zone))
        return shown.isoformat(timespec="minutes" if shown.second == shown.microsecond == 0 else "microseconds")

    def resend(self) -> str:
        """What a preview's note adds: send this exact time with the confirmation, not the words again."""
        return f" Confirm with when='{self.exact()}' (the time shown): words are read again at every call."

    def echo(self) -> str:
        """``2026-11-26 09:00 (Europe/Madrid) = 2026-11-26 08:00 UTC``."""
        text = f"{self.local:%Y-%m-%d %H:%M} ({self.zone}) = {self.utc:%Y-%m-%d %H:%M} UTC"
        return f"{text}; {self.note}" if self.note else text


def _unreadable(text: str, why: str = "") -> InvalidSchedule:
    return InvalidSchedule(
        f"{text!r} is not a time psn understands{why}.",
        f"Write a time in your zone such as {EXAMPLES}, or an ISO time with an offset ('2026-11-26T09:00+01:00').",
    )


def _exact(text: str) -> datetime | None:
    """The exact forms, read without dateparser: 'YYYY-MM-DD HH:MM' (T, seconds) or ISO 8601."""
    cleaned = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", cleaned):
        return None  # fromisoformat would take a bare date ('2026-11-26') as midnight: not a time of day
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        return None


def _words(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """Words read by dateparser: a naive wall time in ``zone``, or an aware instant for an elapsed time."""
    if _NON_ISO_DATE.search(text):
        raise InvalidSchedule(
            f"{text!r} has a date written with numbers that could be day/month or month/day.",
            "Write the date as YYYY-MM-DD ('2026-04-03 09:00') or with the month's name ('3 april 9am').",
        )
    from dateparser.date import DateDataParser  # slow to import: only for words

    base = now.astimezone(zone).replace(tzinfo=None, microsecond=0)

    def read(prefer: str) -> tuple[datetime | None, str | None]:
        settings = {
            "PREFER_DATES_FROM": prefer,
            "RELATIVE_BASE": base,
            "RETURN_TIME_AS_PERIOD": True,
            "PREFER_DAY_OF_MONTH": "first",
        }
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
        return data.date_obj, data.period

    found, period = read("future")
    if found is None:
        raise _unreadable(text)
    if found.tzinfo is not None:
        raise InvalidSchedule(
            f"{text!r} names a zone or an offset; times in words are read in your zone ({zone.key}).",
            "Leave the zone out, or write the exact instant in ISO form with its offset ('2026-11-26T09:00+01:00').",
        )
    if _DURATION.search(text):
        if _WALL_UNITS.search(text):
            return found  # "in 2 days": the same wall-clock time, days on
        return _whole_minute(now + (found - base))  # "in 2 hours": elapsed time, exact across DST changes
    if text.lower() == "now":
        raise InvalidSchedule(
            "'now' is not a time to schedule at.",
            "To publish now, leave the time out (`psn post` without --at; publish_now in Claude Code).",
        )
    if period != "time":
        raise _unreadable(text, ": it has no time of day psn could read (psn will not guess one)")
    # dateparser's "future" is unreliable: a bare time on the last day of a month lands on the 1st of a
    # month (past, or eleven months on), and a weekday skips today. Its "current" reading, when it is
    # still ahead, is the nearest future one; a bare time already past today is tomorrow's.
    current, _ = read("current_period")
    if current is not None and current.tzinfo is None:
        if current > base:
            return current
        if _TIME_ONLY.fullmatch(text):
            return current + timedelta(days=1)
    return found


def _whole_minute(instant: datetime) -> datetime:
    """Rounded up to the minute: "in 2 hours" read twice within a minute (a preview, then its
    confirmation) names the same instant, and never an earlier one than asked."""
    floor = instant.replace(second=0, microsecond=0)
    return floor if floor == instant else floor + timedelta(minutes=1)


def parse_local(text: str, zone_name: str = "UTC", now: datetime | None = None) -> datetime:
    """A wall-clock time as typed (naive, in ``zone_name``), or an instant (aware) for an ISO time with an
    offset and for an elapsed time ("in 2 hours"). Words are read relative to ``now`` (required for them).

    Raises:
        InvalidSchedule: not a time psn understands (see the module docstring for what it refuses).
    """
    if (exact := _exact(text)) is not None:
        return exact
    if now is None or not text.strip():
        raise _unreadable(text)
    return _words(text.strip(), ZoneInfo(zone_name), now)


_WEEKDAYS = {
    name: n
    for n, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue"),
            ("wednesday", "wed"),
            ("thursday", "thu"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}


def parse_day(text: str, zone_name: str, now: datetime) -> date:
    """A day as typed, for what starts on a day rather than at a time (a series' first day):
    'YYYY-MM-DD', or words read in ``zone_name`` relative to ``now`` ('today', 'tomorrow', 'next tuesday',
    '3 april'; a weekday alone is its next occurrence, today's included; a month day already past this
    year is next year's).

    Raises:
        InvalidSchedule: not a day psn understands, or a numeric date that is not year-month-day.
    """
    stripped = text.strip()
    try:
        return date.fromisoformat(stripped)
    except ValueError:
        pass
    refused = InvalidSchedule(
        f"{text!r} is not a day psn understands.",
        "Write the day as YYYY-MM-DD ('2026-12-01') or in words: 'today', 'tomorrow', 'next tuesday', '3 april'.",
    )
    if not stripped or _NON_ISO_DATE.search(stripped):
        raise refused
    from dateparser.date import DateDataParser  # slow to import: only for words

    base = now.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None, microsecond=0)
    if (weekday := _WEEKDAYS.get(stripped.lower())) is not None:  # dateparser skips today's: not ours
        return base.date() + timedelta(days=(weekday - base.weekday()) % 7)
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "PREFER_DAY_OF_MONTH": "first"}
    found = DateDataParser(languages=["en"], settings=settings).get_date_data(stripped).date_obj
    if not isinstance(found, datetime) or found.tzinfo is not None:
        raise refused
    return found.date()


def resolve(when: str | datetime, zone_name: str, now: datetime) -> ScheduleTime:
    """The UTC instant for what the user typed (or a datetime), in ``zone_name``, relative to ``now``.

    Raises:
        InvalidSchedule: unreadable, the wall time does not exist or happens twice in that zone, it has
            already passed, or words that land more than a year ahead.
    """
    zone = ZoneInfo(zone_name)
    words = isinstance(when, str) and _exact(when) is None
    wall = parse_local(when, zone_name, now) if isinstance(when, str) else when
    if wall.tzinfo is not None:
        utc = wall.astimezone(UTC)
        local = utc.astimezone(zone).replace(tzinfo=None)
    else:
        local = wall.replace(microsecond=0)
        utc = _wall_to_utc(local, zone)
    if utc < now - PAST_GRACE:
        shown_now = now.astimezone(zone)
        raise InvalidSchedule(
            f"{local:%Y-%m-%d %H:%M} ({zone_name}) is in the past: it is {shown_now:%Y-%m-%d %H:%M} there now.",
            f"Pick a later time ({EXAMPLES}), or publish now.",
        )
    if words and utc > now + WORDS_HORIZON:
        raise InvalidSchedule(
            f"{when!r} was read as {local:%Y-%m-%d %H:%M} ({zone_name}), more than a year ahead.",
            "If that is not what you meant, write the date in full: YYYY-MM-DD HH:MM.",
        )
    return ScheduleTime(utc=utc, local=local, zone=zone_name)


def _wall_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The one instant a wall time names in ``zone``: refused in the spring-forward gap (with the nearest
    valid time) and in the fall-back hour (with the two offsets to choose from)."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    shown = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if shown != local:
        raise InvalidSchedule(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks jump forward that night.",
            f"Pick a time after the change, e.g. {shown:%Y-%m-%d %H:%M}.",
        )
    if first.utcoffset() != second.utcoffset():
        options = " or ".join(f"'{m.isoformat(timespec='minutes')}' ({m.tzname()})" for m in (first, second))
        raise InvalidSchedule(
            f"{local:%Y-%m-%d %H:%M} happens twice in {zone.key} that night (the clocks go back): "
            "psn will not guess which one.",
            f"Say which, with its offset: {options}; or pick a time outside that hour.",
        )
    return first.astimezone(UTC)

"""Times in words ("tomorrow 9am", "in 2 hours") read in the user's zone, relative to an injected now:
a table of phrases at fixed instants (DST nights in Madrid and New York, a Sunday night, the last night
of the year), the refusals, and the run's own clock (`dates`)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.errors import InvalidSchedule
from psn_core.services.posting.schedule_time import resolve
from tests.support.clock import start_instant

MAD, NYC = "Europe/Madrid", "America/New_York"


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


FRIDAY = z("2026-06-19T10:00+02:00")  # an ordinary Friday morning in Madrid
BEFORE_SPRING_MAD = z("2026-03-28T20:00+01:00")  # Saturday; clocks jump 02:00 -> 03:00 that night
INSIDE_SPRING_MAD = z("2026-03-29T01:30+01:00")  # half an hour before the jump
BEFORE_FALL_MAD = z("2026-10-24T20:00+02:00")  # Saturday; 03:00 -> 02:00 that night
INSIDE_FALL_MAD = z("2026-10-25T02:30+02:00")  # the first 02:30 (CEST)
BEFORE_SPRING_NYC = z("2026-03-07T20:00-05:00")  # 02:00 -> 03:00 that night
BEFORE_FALL_NYC = z("2026-10-31T20:00-04:00")  # 02:00 -> 01:00 that night
SUNDAY_NIGHT = z("2026-11-29T23:30+01:00")
NEW_YEARS_EVE = z("2026-12-31T23:30+01:00")

TABLE = [
    (FRIDAY, MAD, "tomorrow 9am", "2026-06-20T09:00+02:00"),
    (FRIDAY, MAD, "next monday 18:00", "2026-06-22T18:00+02:00"),
    (FRIDAY, MAD, "in 2 hours", "2026-06-19T12:00+02:00"),
    (FRIDAY, MAD, "friday 14:30", "2026-06-19T14:30+02:00"),  # today's is still ahead
    (FRIDAY, MAD, "friday 9:00", "2026-06-26T09:00+02:00"),  # today's has passed: next week's
    (FRIDAY, MAD, "9am", "2026-06-20T09:00+02:00"),  # a bare time already past today is tomorrow's
    (FRIDAY, MAD, "18:00", "2026-06-19T18:00+02:00"),
    (FRIDAY, MAD, "Tomorrow 9 AM", "2026-06-20T09:00+02:00"),
    (FRIDAY, MAD, "noon tomorrow", "2026-06-20T12:00+02:00"),
    (FRIDAY, MAD, "20 june 9am", "2026-06-20T09:00+02:00"),
    (FRIDAY, MAD, "3 april 9am", "2027-04-03T09:00+02:00"),
    (FRIDAY, MAD, "in 90 minutes", "2026-06-19T11:30+02:00"),
    (FRIDAY, MAD, "in 1.5 hours", "2026-06-19T11:30+02:00"),
    (FRIDAY, MAD, "in an hour", "2026-06-19T11:00+02:00"),
    (FRIDAY, MAD, "2 hours from now", "2026-06-19T12:00+02:00"),
    (FRIDAY, MAD, "2026-06-20 09:00", "2026-06-20T09:00+02:00"),
    (FRIDAY, MAD, "2026-06-20T09:00+00:00", "2026-06-20T09:00+00:00"),
    (BEFORE_SPRING_MAD, MAD, "tomorrow 9am", "2026-03-29T09:00+02:00"),  # the summer offset
    (BEFORE_SPRING_MAD, MAD, "in 2 hours", "2026-03-28T22:00+01:00"),
    (BEFORE_SPRING_MAD, MAD, "sunday 12:00", "2026-03-29T12:00+02:00"),
    (BEFORE_SPRING_MAD, MAD, "next monday 18:00", "2026-03-30T18:00+02:00"),
    (INSIDE_SPRING_MAD, MAD, "in 2 hours", "2026-03-29T04:30+02:00"),  # two hours elapse, not two on the wall
    (INSIDE_SPRING_MAD, MAD, "in 1 day", "2026-03-30T01:30+02:00"),  # days keep the wall-clock time
    (INSIDE_SPRING_MAD, MAD, "9am", "2026-03-29T09:00+02:00"),
    (BEFORE_FALL_MAD, MAD, "tomorrow 9am", "2026-10-25T09:00+01:00"),
    (BEFORE_FALL_MAD, MAD, "in 2 hours", "2026-10-24T22:00+02:00"),
    (INSIDE_FALL_MAD, MAD, "in 1 hour", "2026-10-25T02:30+01:00"),  # the second 02:30: elapsed, never ambiguous
    (INSIDE_FALL_MAD, MAD, "in 30 minutes", "2026-10-25T02:00+01:00"),
    (BEFORE_SPRING_NYC, NYC, "tomorrow 9am", "2026-03-08T09:00-04:00"),
    (BEFORE_SPRING_NYC, NYC, "in 8 hours", "2026-03-08T05:00-04:00"),
    (BEFORE_FALL_NYC, NYC, "tomorrow 9am", "2026-11-01T09:00-05:00"),
    (BEFORE_FALL_NYC, NYC, "in 6 hours", "2026-11-01T01:00-05:00"),
    (SUNDAY_NIGHT, MAD, "tomorrow 9am", "2026-11-30T09:00+01:00"),
    (SUNDAY_NIGHT, MAD, "monday 9am", "2026-11-30T09:00+01:00"),
    (SUNDAY_NIGHT, MAD, "next monday 18:00", "2026-11-30T18:00+01:00"),
    (SUNDAY_NIGHT, MAD, "in 45 minutes", "2026-11-30T00:15+01:00"),
    (SUNDAY_NIGHT, NYC, "tomorrow 9am", "2026-11-30T09:00-05:00"),  # 17:30 Sunday in New York
    (NEW_YEARS_EVE, MAD, "tomorrow 9am", "2027-01-01T09:00+01:00"),
    (NEW_YEARS_EVE, MAD, "noon", "2027-01-01T12:00+01:00"),  # dateparser alone says 2027-12-01
    (NEW_YEARS_EVE, MAD, "9am", "2027-01-01T09:00+01:00"),
    (NEW_YEARS_EVE, MAD, "friday 14:30", "2027-01-01T14:30+01:00"),
    (NEW_YEARS_EVE, MAD, "1 jan 10am", "2027-01-01T10:00+01:00"),
    (NEW_YEARS_EVE, MAD, "in 2 hours", "2027-01-01T01:30+01:00"),
    (NEW_YEARS_EVE, MAD, "next monday 18:00", "2027-01-04T18:00+01:00"),
]


@pytest.mark.parametrize(("now", "zone", "text", "expected"), TABLE)
def test_phrase_at_a_fixed_instant_is_one_utc_instant(now: datetime, zone: str, text: str, expected: str) -> None:
    when = resolve(text, zone, now)
    assert when.utc == z(expected), when.echo()
    assert when.local == when.utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert when.echo().endswith(f"= {when.utc:%Y-%m-%d %H:%M} UTC") and f"({zone})" in when.echo()


REFUSED = [
    (BEFORE_SPRING_MAD, MAD, "tomorrow 2:30am", "does not exist", "2026-03-29 03:30"),
    (BEFORE_SPRING_NYC, NYC, "tomorrow 2:15am", "does not exist", "2026-03-08 03:15"),
    (BEFORE_FALL_MAD, MAD, "tomorrow 2:30am", "happens twice", "'2026-10-25T02:30+01:00' (CET)"),
    (BEFORE_FALL_NYC, NYC, "tomorrow 1:30am", "happens twice", "'2026-11-01T01:30-04:00' (EDT)"),
    (FRIDAY, MAD, "yesterday 9am", "is in the past", "later time"),
    (FRIDAY, MAD, "this friday 9:00", "is in the past", "later time"),
    (FRIDAY, MAD, "2026-06-19 09:00", "is in the past", "later time"),
    (FRIDAY, MAD, "tomorrow", "no time of day", "tomorrow 9am"),
    (FRIDAY, MAD, "next week", "no time of day", "tomorrow 9am"),
    (FRIDAY, MAD, "tomorrow at 9", "no time of day", "tomorrow 9am"),
    (FRIDAY, MAD, "2026-06-20", "no time of day", "tomorrow 9am"),
    (FRIDAY, MAD, "banana", "not a time psn understands", "tomorrow 9am"),
    (FRIDAY, MAD, "next tuesday-ish", "not a time psn understands", "tomorrow 9am"),
    (FRIDAY, MAD, "   ", "not a time psn understands", "tomorrow 9am"),
    (FRIDAY, MAD, "3/4 9am", "day/month or month/day", "YYYY-MM-DD"),
    (FRIDAY, MAD, "04.03.2027 9am", "day/month or month/day", "YYYY-MM-DD"),
    (FRIDAY, MAD, "tomorrow 9am UTC", "names a zone", "ISO form with its offset"),
    (FRIDAY, MAD, "in 400 days", "more than a year ahead", "YYYY-MM-DD HH:MM"),
    (FRIDAY, MAD, "now", "not a time to schedule at", "leave the time out"),
]


@pytest.mark.parametrize(("now", "zone", "text", "message", "action"), REFUSED)
def test_refused_with_what_happened_and_what_to_do(
    now: datetime, zone: str, text: str, message: str, action: str
) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        resolve(text, zone, now)
    assert message in caught.value.message
    assert action in caught.value.action
    assert "What to do:" in caught.value.for_humans()


def test_the_past_message_names_the_time_and_now_in_the_zone() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        resolve("yesterday 9am", MAD, FRIDAY)
    assert caught.value.message == "2026-06-18 09:00 (Europe/Madrid) is in the past: it is 2026-06-19 10:00 there now."


def test_elapsed_words_land_on_a_whole_minute_so_a_preview_and_its_confirmation_agree() -> None:
    now = FRIDAY + timedelta(seconds=12, microseconds=5)
    first = resolve("in 2 hours", MAD, now)
    again = resolve("in 2 hours", MAD, now + timedelta(seconds=40))
    assert first.utc == again.utc == FRIDAY + timedelta(hours=2, minutes=1)  # rounded up, never earlier
    assert first.exact() == "2026-06-19T12:01+02:00"
    assert resolve(first.exact(), MAD, now + timedelta(minutes=5)).utc == first.utc  # the exact form reads back
    assert f"when='{first.exact()}'" in first.resend()


def _in_a_fresh_python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **env}, timeout=60
    )
    return result.stdout.strip()


def test_exact_forms_never_import_dateparser() -> None:
    code = (
        "import sys; from datetime import datetime, UTC; "
        "from psn_core.services.posting.schedule_time import resolve; "
        "resolve('2026-11-26 09:00', 'Europe/Madrid', datetime(2026, 1, 1, tzinfo=UTC)); "
        "resolve('2026-11-26T09:00+01:00', 'Europe/Madrid', datetime(2026, 1, 1, tzinfo=UTC)); "
        "print('dateparser' in sys.modules); "
        "resolve('tomorrow 9am', 'Europe/Madrid', datetime(2026, 1, 1, tzinfo=UTC)); "
        "print('dateparser' in sys.modules)"
    )
    assert _in_a_fresh_python(code).split() == ["False", "True"]  # words do load it: the check can fail


@pytest.mark.parametrize("machine_zone", ["Pacific/Kiritimati", "America/Los_Angeles"])
def test_the_machine_zone_changes_nothing(machine_zone: str) -> None:
    code = (
        "from datetime import datetime; from psn_core.services.posting.schedule_time import resolve; "
        "now = datetime.fromisoformat('2026-12-31T22:30+00:00'); "
        "print(*(resolve(t, 'Europe/Madrid', now).utc.isoformat() for t in ('tomorrow 9am', 'noon', 'in 2 hours')))"
    )
    assert _in_a_fresh_python(code, TZ=machine_zone).split() == [
        "2027-01-01T08:00:00+00:00",
        "2027-01-01T11:00:00+00:00",
        "2027-01-01T00:30:00+00:00",
    ]


def _first_after(now: datetime, zone: str, day: datetime, at: time) -> datetime:
    """The first day from ``day`` on (stepping a week) whose wall time ``at`` is after ``now``, in UTC."""
    moment = datetime.combine(day.date(), at, tzinfo=ZoneInfo(zone))
    while moment.astimezone(UTC) <= now:
        moment = datetime.combine(moment.date() + timedelta(days=7), at, tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


@pytest.mark.dates
@pytest.mark.parametrize("zone", [MAD, NYC, "Asia/Tokyo"])
def test_words_from_the_run_start_match_the_calendar(zone: str) -> None:
    now = start_instant()
    here = now.astimezone(ZoneInfo(zone))
    tomorrow = here.date() + timedelta(days=1)
    assert resolve("tomorrow 9am", zone, now).utc == datetime.combine(tomorrow, time(9), ZoneInfo(zone)).astimezone(UTC)
    assert resolve("in 2 hours", zone, now).utc == now + timedelta(hours=2)
    monday = here + timedelta(days=(7 - here.weekday()) % 7 or 7)
    expected_monday = datetime.combine(monday.date(), time(18), ZoneInfo(zone)).astimezone(UTC)
    assert resolve("next monday 18:00", zone, now).utc == expected_monday
    friday = here + timedelta(days=(4 - here.weekday()) % 7)
    assert resolve("friday 14:30", zone, now).utc == _first_after(now, zone, friday, time(14, 30))

"""Days as typed, for what starts on a day rather than at a time (`psn series create --start`): ISO dates,
words read in the user's zone relative to an injected now (never the real clock), and the refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from psn_core.errors import InvalidSchedule
from psn_core.services.posting.schedule_time import parse_day

MAD = "Europe/Madrid"
SUNDAY = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)  # Sunday 08:00 in Madrid
SATURDAY_NIGHT_UTC = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # already Sunday 00:30 in Madrid


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("2026-12-01", SUNDAY, date(2026, 12, 1)),
        (" 2027-02-28 ", SUNDAY, date(2027, 2, 28)),
        ("today", SUNDAY, date(2026, 11, 29)),
        ("tomorrow", SUNDAY, date(2026, 11, 30)),
        ("next tuesday", SUNDAY, date(2026, 12, 1)),
        ("tuesday", SUNDAY, date(2026, 12, 1)),
        ("sunday", SUNDAY, date(2026, 11, 29)),  # a weekday alone: today's, when it is that day
        ("Sun", SUNDAY, date(2026, 11, 29)),
        ("next sunday", SUNDAY, date(2026, 12, 6)),
        ("1 november", SUNDAY, date(2027, 11, 1)),  # a month day already past: next year's
        ("3 april", SUNDAY, date(2027, 4, 3)),
        ("today", SATURDAY_NIGHT_UTC, date(2026, 11, 29)),  # the user's day, not UTC's
    ],
)
def test_days_in_words_and_iso(text: str, now: datetime, expected: date) -> None:
    assert parse_day(text, MAD, now) == expected


@pytest.mark.parametrize("text", ["", "  ", "3/4", "12/01/2026", "the day after the party", "2026-02-30"])
def test_what_is_not_a_day_is_refused_saying_what_to_type(text: str) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        parse_day(text, MAD, SUNDAY)
    assert "YYYY-MM-DD" in (refused.value.action or "")

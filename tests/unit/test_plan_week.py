"""Which week `psn plan` / plan_week plans without a week: the week ahead in the user's zone (this week, but
next week on a Sunday, when this week has no day left to plan), from fixed instants."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from psn_core.services.plan.candidates import parse_week

MAD = "Europe/Madrid"


@pytest.mark.parametrize(
    ("now", "monday"),
    [
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), date(2026, 11, 23)),  # Monday
        (datetime(2026, 11, 28, 20, 0, tzinfo=UTC), date(2026, 11, 23)),  # Saturday evening: Sunday is left
        (datetime(2026, 11, 28, 23, 30, tzinfo=UTC), date(2026, 11, 30)),  # already Sunday in Madrid
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), date(2026, 11, 30)),  # Sunday: next week
        (datetime(2026, 12, 27, 12, 0, tzinfo=UTC), date(2026, 12, 28)),  # Sunday before the year ends
    ],
)
def test_the_default_is_the_week_ahead(now: datetime, monday: date) -> None:
    assert parse_week(None, MAD, now) == monday


def test_a_named_week_or_day_is_that_week_whatever_the_day() -> None:
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert parse_week("2026-11-29", MAD, sunday) == date(2026, 11, 23)
    assert parse_week("2026-W49", MAD, sunday) == date(2026, 11, 30)

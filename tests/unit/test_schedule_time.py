"""Local times in the user's zone become one UTC instant; DST gaps and repeats are handled honestly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.errors import InvalidSchedule
from psn_core.services.posting.schedule_time import resolve
from tests.support.clock import start_instant

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_local_time_is_stored_as_utc_and_echoed_with_its_zone() -> None:
    when = resolve("2026-11-26 09:00", "Europe/Madrid", NOW)
    assert when.utc == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert when.echo() == "2026-11-26 09:00 (Europe/Madrid) = 2026-11-26 08:00 UTC"


def test_summer_time_uses_the_summer_offset() -> None:
    assert resolve("2026-07-01 09:00", "Europe/Madrid", NOW).utc == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_a_time_inside_the_spring_forward_gap_is_refused_with_a_valid_suggestion() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        resolve("2026-03-29 02:30", "Europe/Madrid", NOW)
    assert "does not exist" in caught.value.message
    assert "2026-03-29 03:30" in caught.value.action


def test_a_time_that_happens_twice_is_refused_with_both_offsets_to_choose_from() -> None:
    with pytest.raises(InvalidSchedule) as caught:
        resolve("2026-10-25 02:30", "Europe/Madrid", NOW)
    assert "happens twice" in caught.value.message
    assert "'2026-10-25T02:30+02:00' (CEST)" in caught.value.action
    assert "'2026-10-25T02:30+01:00' (CET)" in caught.value.action
    # each offered form is accepted and names its own instant
    assert resolve("2026-10-25T02:30+02:00", "Europe/Madrid", NOW).utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert resolve("2026-10-25T02:30+01:00", "Europe/Madrid", NOW).utc == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_new_york_dst_edges() -> None:
    with pytest.raises(InvalidSchedule):
        resolve("2026-03-08 02:15", "America/New_York", NOW)
    with pytest.raises(InvalidSchedule, match="happens twice"):
        resolve("2026-11-01 01:30", "America/New_York", NOW)
    assert resolve("2026-11-01 00:30", "America/New_York", NOW).utc == datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    assert resolve("2026-11-01 02:30", "America/New_York", NOW).utc == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def test_times_with_an_offset_are_taken_as_given() -> None:
    when = resolve("2026-05-01T10:00:00+02:00", "Asia/Tokyo", NOW)
    assert when.utc == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert when.local == datetime(2026, 5, 1, 17, 0)


def test_the_past_and_nonsense_are_refused() -> None:
    with pytest.raises(InvalidSchedule, match="is in the past"):
        resolve("2025-12-31 23:00", "UTC", NOW)
    with pytest.raises(InvalidSchedule, match="not a time"):
        resolve("next tuesday-ish", "UTC", NOW)


@pytest.mark.dates
@pytest.mark.parametrize("zone", ["Europe/Madrid", "America/New_York", "Asia/Tokyo"])
def test_nine_tomorrow_is_nine_on_the_wall_clock_from_the_test_start(zone: str) -> None:
    now = start_instant()
    day = now.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)
    when = resolve(f"{day} 09:00", zone, now)
    assert now < when.utc <= now + timedelta(hours=34)
    assert when.utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == datetime.fromisoformat(f"{day}T09:00")
    assert when.echo().startswith(f"{day} 09:00 ({zone}) = ")

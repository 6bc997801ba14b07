"""The calendar's windows and its empty slots, without a hub: a week is Monday to Sunday and a month its
calendar month in the user's zone (23- and 25-hour days around DST changes included), and the strategy's
preferred times become empty slots on each account unless a post or claim sits within 30 minutes. Fixed
DST weeks are named; the rest derive from the test clock's start (the ``dates`` marker runs them again
at hard instants), never the real date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.posting.calendar import period_window
from psn_core.services.posting.calendar_slots import HubAccount, badge_of, empty_slots
from psn_core.strategy.model import Strategy
from tests.support.clock import start_instant

MADRID = ZoneInfo("Europe/Madrid")
X = HubAccount(uuid.uuid4(), "x", "ana")
LINKEDIN = HubAccount(uuid.uuid4(), "linkedin", "ana")
TIKTOK = HubAccount(uuid.uuid4(), "tiktok", "ana")  # the strategy names no time for TikTok


def _strategy(times: dict[str, list[dict[str, object]]]) -> Strategy:
    return Strategy.model_validate({"pillars": [{"name": "craft", "weight": 1}], "times": times})


STRATEGY = _strategy(
    {
        "x": [{"days": "daily", "at": ["02:30", "09:00"]}],
        "linkedin": [{"days": "weekdays", "at": "08:15"}],
    }
)


def _slots(first: date, busy: list[tuple[uuid.UUID, datetime]] | None = None, period: str = "week") -> list:  # type: ignore[type-arg]
    window = period_window(period, first, MADRID, datetime(2000, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    span = (window.start, window.end)
    return empty_slots(STRATEGY, ("acme", "Acme"), [X, LINKEDIN, TIKTOK], busy or [], span, MADRID, claimable=True)


def _local(slots: list, account: HubAccount) -> list[str]:  # type: ignore[type-arg]
    return [f"{s.at.astimezone(MADRID):%a %d %H:%M}" for s in slots if s.account == f"{account.platform}:@ana"]


def test_the_spring_forward_week_has_a_23_hour_sunday_and_the_skipped_time_moves_forward() -> None:
    window = period_window("week", date(2027, 3, 24), MADRID, datetime(2000, 1, 1, tzinfo=UTC))
    assert (window.first, window.last) == (date(2027, 3, 22), date(2027, 3, 28))
    assert window.end - window.start == timedelta(days=7) - timedelta(hours=1)
    x = _local(_slots(date(2027, 3, 24)), X)
    assert len(x) == 14 and x[0] == "Mon 22 02:30" and x[-1] == "Sun 28 09:00"
    assert "Sun 28 03:30" in x and "Sun 28 02:30" not in x  # 02:30 does not exist that night: 03:30
    assert _local(_slots(date(2027, 3, 24)), LINKEDIN) == [
        f"{d} 08:15" for d in ("Mon 22", "Tue 23", "Wed 24", "Thu 25", "Fri 26")
    ]
    assert _local(_slots(date(2027, 3, 24)), TIKTOK) == []


def test_the_fall_back_week_has_a_25_hour_sunday_and_the_repeated_time_is_its_first() -> None:
    window = period_window("week", date(2027, 10, 27), MADRID, datetime(2000, 1, 1, tzinfo=UTC))
    assert window.end - window.start == timedelta(days=7, hours=1)
    slots = _slots(date(2027, 10, 27))
    sunday = [s.at for s in slots if s.platform == "x" and s.at.astimezone(MADRID).date() == date(2027, 10, 31)]
    assert sunday == [datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 10, 31, 8, 0, tzinfo=UTC)]
    assert sunday[0].astimezone(MADRID).utcoffset() == timedelta(hours=2)  # the first 02:30, still summer time


def test_a_post_or_claim_within_30_minutes_fills_a_slot_on_its_own_account_only() -> None:
    tuesday_nine = datetime(2027, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 in Madrid (UTC+1)
    busy = [(X.id, tuesday_nine + timedelta(minutes=29)), (X.id, datetime(2027, 3, 24, 8, 30, tzinfo=UTC))]
    x = _local(_slots(date(2027, 3, 24), busy), X)
    assert "Tue 23 09:00" not in x  # 29 minutes away: filled
    assert "Wed 24 09:00" in x  # exactly 30 minutes away: still free
    assert len(_local(_slots(date(2027, 3, 24), busy), LINKEDIN)) == 5  # another account's post fills nothing


def test_a_month_holds_its_calendar_days_and_every_slot_in_them() -> None:
    window = period_window("month", date(2027, 2, 14), MADRID, datetime(2000, 1, 1, tzinfo=UTC))
    assert (window.first, window.last) == (date(2027, 2, 1), date(2027, 2, 28))
    slots = _slots(date(2027, 2, 14), period="month")
    assert len(_local(slots, X)) == 28 * 2 and len(_local(slots, LINKEDIN)) == 20
    assert all(s.claimable and s.badge == "empty slot" and s.hub == "acme" for s in slots)
    assert _local(slots, X)[0] == "Mon 01 02:30" and _local(slots, X)[-1] == "Sun 28 09:00"


def test_no_strategy_means_no_empty_slots() -> None:
    window = period_window("week", date(2027, 3, 24), MADRID, datetime(2000, 1, 1, tzinfo=UTC))
    assert (
        empty_slots(None, ("personal", "Personal"), [X], [], (window.start, window.end), MADRID, claimable=False) == []
    )


@pytest.mark.dates
@pytest.mark.parametrize("zone", ["Europe/Madrid", "America/New_York", "Pacific/Auckland"])
def test_the_week_and_month_holding_the_clocks_start_are_whole_local_days_with_their_slots(zone: str) -> None:
    now = start_instant()
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    week = period_window("week", None, tz, now)
    assert week.first.weekday() == 0 and week.last - week.first == timedelta(days=6)
    assert week.first <= today <= week.last and week.start <= now < week.end
    assert week.start.astimezone(tz).time().hour in (0, 1) and week.end.astimezone(tz).date() == week.last + timedelta(
        days=1
    )
    month = period_window("month", None, tz, now)
    assert month.first == today.replace(day=1) and (month.last + timedelta(days=1)).day == 1
    daily = _strategy({"x": [{"days": "daily", "at": "12:00"}]})
    slots = empty_slots(daily, ("acme", "Acme"), [X], [], (week.start, week.end), tz, claimable=True)
    assert [s.at.astimezone(tz).date() for s in slots] == [week.first + timedelta(days=n) for n in range(7)]
    assert all(s.at.astimezone(tz).strftime("%H:%M") == "12:00" for s in slots)


def test_badges_name_what_the_user_sees() -> None:
    assert [badge_of(s) for s in ("scheduled", "publishing", "published", "failed", "expired", "pending_approval")] == [
        "scheduled",
        "publishing",
        "published",
        "failed",
        "failed",
        "pending approval",
    ]

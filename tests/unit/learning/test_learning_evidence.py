"""Fresh evidence after a change: only weeks that start (in the user's zone) after psn's change count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from psn_core.services.learning.evidence import Evidence, current_monday, fresh_mondays
from psn_core.services.strategy import apply_change, init_strategy
from psn_core.strategy.defaults import StrategySeed

LA = ZoneInfo("America/Los_Angeles")


def test_a_week_mostly_before_the_change_is_not_fresh_in_los_angeles(tmp_path: Path) -> None:
    init_strategy(tmp_path, StrategySeed(talks_like="between", platforms=["x", "linkedin"]))
    # the weekly task runs Monday 05:29 UTC: Sunday evening in Los Angeles, the end of the local week
    changed_at = datetime(2026, 3, 2, 5, 29, tzinfo=UTC)  # a Monday in UTC
    assert changed_at.astimezone(LA).weekday() == 6  # Sunday in Los Angeles
    apply_change(tmp_path, "frequency.x", 5, "test", actor="psn", now=lambda: changed_at)
    now = changed_at + timedelta(weeks=1, hours=2)
    this_monday = current_monday(now, LA)
    mondays = [this_monday - timedelta(weeks=n) for n in range(1, 4)]
    evidence = Evidence(zone=LA, mondays=mondays, posts=[])
    local_change_monday = current_monday(changed_at, LA)
    assert local_change_monday in mondays
    fresh = fresh_mondays(evidence, tmp_path, "frequency.x")
    assert local_change_monday not in fresh  # it was all but its last hours before the change
    assert fresh == [m for m in mondays if m > local_change_monday]

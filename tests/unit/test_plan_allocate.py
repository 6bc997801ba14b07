"""The weekly plan's allocator as a pure function: quotas by the largest remainder, angles from words, no
time in the past, a missed series episode at the platform's next time, the analytics' best hours over the
strategy's times, and the same inputs giving the same slots."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psn_core.services.plan.allocate import WeekInput, allocate, infer_angle, quotas
from psn_core.services.plan.models import Busy, Candidate, DueSeries
from tests.support.plan_world import strategy

MONDAY = date(2026, 6, 22)  # these tests name their own week and clock
TZ = ZoneInfo("Europe/Madrid")


def _ideas(n: int) -> list[Candidate]:
    return [
        Candidate(
            key=f"idea:{i}",
            kind="idea",
            tier=0,
            topic=f"Idea {i}",
            pillar=("ai", "product")[i % 2],
            idea_id=uuid.UUID(int=i + 1),
        )
        for i in range(n)
    ]


def test_quotas_round_by_the_largest_remainder() -> None:
    assert quotas({"ai": 2 / 3, "product": 1 / 3}, 5) == {"ai": 3, "product": 2}
    assert quotas({"en": 0.6, "es": 0.4}, 5) == {"en": 3, "es": 2}
    assert quotas({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, 4) == {"a": 2, "b": 1, "c": 1}  # ties: the order given
    assert sum(quotas({"a": 0.55, "b": 0.3, "c": 0.15}, 14).values()) == 14


def test_angles_come_from_the_words() -> None:
    assert infer_angle("How to price a SaaS") == "how-to"
    assert infer_angle("Postgres vs MySQL for queues") == "comparison"
    assert infer_angle("Unpopular opinion: standups are fine") == "hot-take"
    assert infer_angle("Our pricing page") is None


def test_nothing_is_planned_in_the_past_and_a_missed_episode_goes_next() -> None:
    now = datetime.combine(MONDAY + timedelta(days=2), time(12), tzinfo=TZ).astimezone(UTC)  # Wednesday noon
    missed = DueSeries(
        series_id=uuid.UUID(int=99),
        name="Monday notes",
        pillar="ai",
        platforms=["x"],
        episode_number=4,
        label="#4",
        due_at=datetime.combine(MONDAY, time(10), tzinfo=TZ),
    )
    week = WeekInput(MONDAY, "Europe/Madrid", now, strategy(), due=[missed], candidates=_ideas(6))
    slots = allocate(week)
    assert all(s.at > now for s in slots)
    series = next(s for s in slots if s.kind == "series")
    assert series.at.astimezone(TZ) == datetime.combine(MONDAY + timedelta(days=2), time(17), tzinfo=TZ)
    assert allocate(week) == slots  # the same inputs, the same plan


def test_the_analytics_best_hours_replace_the_strategy_times_and_busy_times_are_avoided() -> None:
    now = datetime.combine(MONDAY - timedelta(days=1), time(12), tzinfo=TZ).astimezone(UTC)
    busy = [Busy(platform="x", at=datetime.combine(MONDAY, time(7, 30), tzinfo=TZ).astimezone(UTC))]
    week = WeekInput(
        MONDAY, "Europe/Madrid", now, strategy(), busy=busy, candidates=_ideas(6), best_hours={"x": [7, 20]}
    )
    x = [s for s in allocate(week) if s.platform == "x"]
    assert len(x) == 2  # 3 a week, one already scheduled
    assert {s.at.astimezone(TZ).time() for s in x} <= {time(7), time(20)}
    assert all(abs(s.at - busy[0].at) >= timedelta(hours=1) for s in x)

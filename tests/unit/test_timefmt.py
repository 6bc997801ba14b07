"""Durations said as people say them (humanize), always against a given now, never the real clock."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from psn_core.timefmt import until

NOW = datetime(2026, 6, 17, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "said"),
    [
        (timedelta(days=59, hours=23), "in 59 days"),  # days stay days: not "in 2 months"
        (timedelta(days=7), "in 7 days"),
        (timedelta(days=1, hours=5), "in a day"),
        (timedelta(hours=3, minutes=40), "in 4 hours"),  # hours to the nearest, days rounded down
        (timedelta(minutes=12, seconds=30), "in 12 minutes"),
        (timedelta(seconds=40), "in 40 seconds"),
        (timedelta(0), "in a moment"),
        (-timedelta(hours=3, minutes=10), "3 hours ago"),
        (-timedelta(minutes=1), "a minute ago"),
        (-timedelta(days=400), "1 year, 35 days ago"),
    ],
)
def test_a_distance_from_now_reads_as_people_say_it(offset: timedelta, said: str) -> None:
    assert until(NOW + offset, NOW) == said


def test_a_naive_instant_is_utc() -> None:
    assert until(datetime(2026, 6, 17, 13, 0), NOW) == "in 3 hours"


def test_the_cli_can_start_without_humanize() -> None:
    code = "import sys, psn_core.timefmt; print('humanize' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("seconds", "said"), [(0.2, "about a second"), (840, "about 14 minutes"), (7200, "about 2 hours")]
)
def test_a_platforms_wait_is_said_with_the_same_words(seconds: float, said: str) -> None:
    from psn_core.platforms.http import describe_wait

    assert describe_wait(seconds) == said

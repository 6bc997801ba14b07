"""Time for the emulator: every delay and metric is computed from an injectable clock.

Tests pass a :class:`ManualClock` and move it forward instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; safe to advance from the test thread."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> datetime:
        """Move time forward and return the new now.

        Raises:
            ValueError: if the total step is negative (time never goes back).
        """
        step = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < timedelta(0):
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += step
            return self._now


def epoch(moment: datetime) -> int:
    """Whole Unix seconds of an aware datetime."""
    return int(moment.timestamp())


def epoch_ms(moment: datetime) -> int:
    """Unix milliseconds of an aware datetime (LinkedIn's time format)."""
    return int(moment.timestamp() * 1000)


def follower_count(moment: datetime, user_id: str) -> int:
    """An account's audience in the emulator: a stable base per user that grows by one a day."""
    base = 100 + sum(map(ord, user_id)) % 900
    return base + int(moment.timestamp() // 86400) % 10_000

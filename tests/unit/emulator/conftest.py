"""Fixtures for the emulator tests: a running emulator on a manual clock and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock

TEST_CONFIG = EmulatorConfig(
    hold_seconds=3.0,
    fetch_timeout_seconds=2.0,
    processing_seconds=30.0,
    x_rate_limits={"users_me": 3},
    instagram_calls_per_hour=10,
    tiktok_rate_limits={"user_info": 3},
    linkedin_daily_post_limit=2,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=TEST_CONFIG) as emulator:
        yield emulator


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=5.0, follow_redirects=False) as client:
        yield client

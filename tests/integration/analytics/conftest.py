"""What the analytics tests share: a publishing environment on the emulator, driven by a manual clock
(metrics mature as the clock moves), with the user in Madrid."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5, hold_seconds=3)) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    return make_pub_env(hub_env, emu, clock, platform_read_timeout=1.0, timezone="Europe/Madrid")

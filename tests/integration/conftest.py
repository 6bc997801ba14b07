"""What the integration tests share: a manual clock at the tests' fixed start, the platform emulator on it,
and a publishing workspace against both (a test module, or a folder's conftest, with fixtures of these
names uses its own: another emulator config, another workspace)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from psn_core.emulator import Emulator, ManualClock
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    return make_pub_env(hub_env, emu, clock)

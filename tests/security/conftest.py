"""What the security tests share: the company hub the attack tests probe (see
``tests.support.hubs.attacked_company``), and the crash tests' emulator, worker workspace and workers (a
test module with fixtures of the same name uses its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator, EmulatorConfig
from tests.e2e.conftest import Workers
from tests.integration.test_company_members import Company
from tests.security.crash_env import worker_settings
from tests.support.hubs import HubEnv, attacked_company


@pytest.fixture
def attacked_acme(hub_env: HubEnv) -> Company:
    """Acme after its admin removed Bob: Ann is the contributor, Bob the removed member."""
    return attacked_company(hub_env)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """The crash tests' emulator: a held answer stays open far longer than a test runs (released when the
    emulator stops)."""
    with Emulator(config=EmulatorConfig(processing_seconds=0.2, hold_seconds=600)) as emulator:
        yield emulator


@pytest.fixture
def settings(hub_env: HubEnv, emu: Emulator) -> Settings:
    """A member's workspace whose `psn worker` processes reach the hub and the emulator."""
    return worker_settings(hub_env, emu)


@pytest.fixture
def workers(settings: Settings) -> Iterator[Workers]:
    """The `psn worker` processes a test starts (and kills), all stopped at the end."""
    pool = Workers(settings.workspace)
    yield pool
    pool.stop_all()

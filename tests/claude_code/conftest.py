"""The Claude Code tier: the real `claude` CLI, headless, with psn's plugin loaded from this checkout,
driven by a scripted fake model (tests/support/claude_code.py, tests/support/fake_model.py).

Every test here is marked ``claude_code`` (and ``slow``: each run spawns the CLI and psn-mcp, 3-5 s).
Without node_modules/.bin/claude (`npm ci --ignore-scripts`, then the CLI's install.cjs, as .ci/run
does) the tier skips on a laptop and fails under CI=true.

Fixtures:

* ``emu``: the platform emulator on 127.0.0.1 (in this process, a thread), uploads processed in 0.2 s.
* ``workspace``: a folder made with the real ``psn init --name Ana --timezone Europe/Madrid`` (its
  embedded hub), whose hub.env registers an app per platform on ``emu`` and serves media from it, as a
  user's hub.env names their apps. The hub is stopped (``psn hub stop``) after the test.
* ``settings`` / ``hub`` / ``member``: that workspace's settings, its hub opened from this process (to seed
  data and check what the run did) and Ana's member id.
* ``workers``: start real ``psn worker`` processes for the workspace (``workers.start()``); all are
  stopped after the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.settings import as_env
from psn_core.hub.database import Hub
from psn_core.workspace import set_env_values
from tests.e2e.conftest import Workers
from tests.support.claude_code import CLAUDE
from tests.support.cli_runner import run_psn
from tests.support.platform_env import emulator_overrides

ZONE = "Europe/Madrid"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.claude_code)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def claude_cli() -> Path:
    """The CLI, or a skip (a failure under CI=true) when it is not installed."""
    if not CLAUDE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node_modules/.bin/claude is missing under CI=true (.ci/run installs it)")
        pytest.skip("Claude Code CLI not installed (npm ci --ignore-scripts, then its install.cjs)")
    return CLAUDE


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(config=EmulatorConfig(processing_seconds=0.2)) as emulator:
        yield emulator


@pytest.fixture
def workspace(tmp_path: Path, emu: Emulator) -> Iterator[Path]:
    folder = tmp_path / "ws"
    folder.mkdir()
    try:
        run_psn(folder, "init", "--name", "Ana", "--timezone", ZONE)
        values: dict[str, object] = {"media_host_url": f"{emu.base_url}/_media/", **emulator_overrides(emu)}
        set_env_values(folder / "hub.env", as_env(values))
        yield folder
    finally:
        run_psn(folder, "hub", "stop", check=False, timeout=60)


@pytest.fixture
def settings(workspace: Path) -> Settings:
    return Settings.load(workspace)


@pytest.fixture
def member(settings: Settings) -> uuid.UUID:
    assert settings.member_id is not None
    return settings.member_id


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    opened = Hub.open(settings)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def workers(workspace: Path) -> Iterator[Workers]:
    pool = Workers(workspace)
    yield pool
    pool.stop_all()

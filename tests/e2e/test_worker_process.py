"""A real `psn worker` process on the hub's Postgres queue runs the token refresher."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.tokens import refresh_window
from psn_core.worker import Worker
from psn_core.workspace import set_env_values
from tests.conftest import TEST_APP_PASSWORD, HubEnv, make_settings, new_member
from tests.platform_env import connect_account, emulator_overrides

pytestmark = [pytest.mark.pg, pytest.mark.slow]


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def settings(hub_env: HubEnv, emu: Emulator) -> Settings:
    member = new_member(hub_env.hub)
    values: dict[str, object] = {
        "database_url": hub_env.server.conninfo(hub_env.database),
        "app_password": TEST_APP_PASSWORD,
        "member_id": str(member),
        **emulator_overrides(emu),
    }
    set_env_values(
        hub_env.settings.workspace / "hub.env",
        {f"PSN_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in values.items()},
    )
    return make_settings(hub_env.settings.workspace, str(values["database_url"]))


@pytest.fixture
def worker_process(settings: Settings) -> Iterator[subprocess.Popen[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSN_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", "-w", str(settings.workspace), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    """Bounded wait for another process's effect (checked every 100 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_process_refreshes_a_token_inside_its_window(
    hub_env: HubEnv, settings: Settings, worker_process: subprocess.Popen[str]
) -> None:
    assert settings.member_id is not None
    account = connect_account(hub_env.hub, settings, settings.member_id, "x")
    soon = datetime.now(UTC) + refresh_window(PLATFORMS["x"]) - timedelta(minutes=5)
    with hub_env.hub.owner() as conn:
        conn.execute("UPDATE oauth_tokens SET expires_at = %s WHERE account_id = %s", [soon, account.id])

    producer = Worker(settings)
    try:
        producer.tasks["refresh_tokens"]()  # what the */5 schedule does, enqueued now
    finally:
        producer.close()

    def refreshed() -> bool:
        with hub_env.hub.owner() as conn:
            row = conn.execute("SELECT version FROM oauth_tokens WHERE account_id = %s", [account.id]).fetchone()
        return row is not None and row["version"] == 2

    assert wait_for(refreshed), "the worker did not refresh the token"
    assert worker_process.poll() is None
    worker_process.send_signal(signal.SIGINT)
    out, _ = worker_process.communicate(timeout=30)
    assert worker_process.returncode == 0, out

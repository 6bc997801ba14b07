"""A real `psn worker` process on the hub's Postgres queue runs the token refresher."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from psn_core.config import Settings
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.tokens import refresh_window
from psn_core.worker.app import Worker
from tests.e2e.conftest import Workers, wait_for
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.pg, pytest.mark.slow]


@pytest.fixture
def worker_process(workers: Workers) -> subprocess.Popen[bytes]:
    return workers.start(threads=2)


def test_worker_process_refreshes_a_token_inside_its_window(
    hub_env: HubEnv, settings: Settings, worker_process: subprocess.Popen[bytes]
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

    assert wait_for(refreshed, 30), "the worker did not refresh the token"
    assert worker_process.poll() is None
    worker_process.send_signal(signal.SIGINT)
    assert worker_process.wait(30) == 0

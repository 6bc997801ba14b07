"""The Redis queue option (PSN_QUEUE_URL): the same worker publishes through a real redis-server.

Needs redis-server on the machine (.ci/run installs Debian's); skips on a laptop without it, but
never under CI=true."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.errors import InvalidSetting
from psn_core.queue import Producer, open_queue, queue_name
from psn_core.services.posting.posts import PartInput, PostInput, TargetInput, create_post, schedule_and_enqueue
from psn_core.services.posting.schedule_time import ScheduleTime
from psn_core.worker.app import Worker
from psn_core.workspace import set_env_values
from tests.e2e.conftest import Workers, wait_for
from tests.support.hubs import HubEnv, make_settings
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.pg, pytest.mark.slow]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is required under CI=true (.ci/run installs it)")
        pytest.skip("no redis-server on this machine")
    socket = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(socket.exists, timeout=10)
        yield f"unix://{socket}"
    finally:
        server.terminate()
        server.wait(10)


def test_worker_publishes_through_a_redis_queue(
    hub_env: HubEnv, settings: Settings, redis_url: str, workers: Workers
) -> None:
    assert settings.member_id is not None
    set_env_values(settings.workspace / "hub.env", {"PSN_QUEUE_URL": redis_url})
    redis_settings = make_settings(settings.workspace, str(settings.database_url.get_secret_value()))  # type: ignore[union-attr]
    account = connect_account(hub_env.hub, redis_settings, settings.member_id, "x")
    assert type(open_queue(redis_settings, hub_env.hub, queue_name(None), None)).__name__ == "RedisHuey"
    producer = Producer(redis_settings, hub_env.hub)
    target = TargetInput(account_id=account.id, parts=[PartInput(text="through redis")])
    with hub_env.hub.transaction(settings.member_id) as conn:
        post = create_post(
            conn,
            settings.member_id,
            PostInput(targets=[target]),
            timezone="UTC",
            media_dir=settings.workspace / "media",
            media_host=None,
        )
    due = datetime.now(UTC) + timedelta(seconds=2)
    when = ScheduleTime(utc=due, local=due.replace(tzinfo=None), zone="UTC")
    schedule_and_enqueue(hub_env.hub, settings.member_id, post.id, when, producer.enqueue_publish)
    producer.close()
    with hub_env.hub.owner() as conn:  # nothing went to the Postgres queue
        assert conn.execute("SELECT count(*) AS n FROM huey_task").fetchone() == {"n": 0}
    workers.start(threads=2)

    def published() -> bool:
        with hub_env.hub.owner() as conn:
            row = conn.execute("SELECT status FROM post_targets WHERE post_id = %s", [post.id]).fetchone()
        return row is not None and row["status"] == "published"

    assert wait_for(published, timeout=30), workers.log.read_text()[-2000:]


def test_a_queue_url_that_is_not_redis_is_refused(settings: Settings) -> None:
    bad = make_settings(
        settings.workspace,
        str(settings.database_url.get_secret_value()),  # type: ignore[union-attr]
        queue_url="amqp://localhost",
    )
    with pytest.raises(InvalidSetting, match="Redis URL"):
        Worker(bad)

"""The publishing pipeline end to end: real worker processes on the hub's Postgres queue, the emulator
over HTTP, a SIGKILL in the middle. Every post goes out once, none early; lost queue entries are found
by the watchdog."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.platforms.registry import PLATFORMS
from psn_core.queue import Producer
from psn_core.services.accounts.accounts import AccountView
from psn_core.services.posting.posts import PartInput, PostInput, TargetInput, create_post, schedule_and_enqueue
from psn_core.services.posting.schedule_time import ScheduleTime
from tests.e2e.conftest import Workers, wait_for
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account
from tests.unit.media.media_factory import MediaFactory

pytestmark = [pytest.mark.pg, pytest.mark.slow]

# How many posts each platform gets (200 in all) over about two minutes, inside each platform's documented
# limits: TikTok allows 6 publish inits per minute per user, Instagram 25 API posts a day.
SHARE = {"x": 95, "linkedin": 68, "instagram": 25, "tiktok": 12}


def _schedule(
    hub_env: HubEnv,
    settings: Settings,
    accounts: dict[str, AccountView],
    photo: Path,
    plan: list[tuple[str, int]],
    start: datetime,
    spacing: float,
) -> list[UUID]:
    assert settings.member_id is not None
    member = settings.member_id
    producer = Producer(settings, hub_env.hub)
    targets: list[UUID] = []
    try:
        for n, (platform, i) in enumerate(plan):
            media = [photo] if not PLATFORMS[platform].capabilities.text_only else []
            part = PartInput(text=f"e2e {platform} post {i}", media=media)
            post = PostInput(targets=[TargetInput(account_id=accounts[platform].id, parts=[part])])
            media_dir, host = settings.workspace / "media", settings.media_host_url
            with hub_env.hub.transaction(member) as conn:
                draft = create_post(conn, member, post, timezone="Europe/Madrid", media_dir=media_dir, media_host=host)
            due = start + timedelta(seconds=n * spacing)
            when = ScheduleTime(utc=due, local=due.replace(tzinfo=None), zone="UTC")
            view = schedule_and_enqueue(hub_env.hub, member, draft.id, when, producer.enqueue_publish)
            targets.append(view.targets[0].id)
    finally:
        producer.close()
    return targets


def _host(emu: Emulator, settings: Settings) -> None:
    for path in (settings.workspace / "media").glob("*"):
        emu.host_media(path.name, path.read_bytes(), "image/jpeg")


def _created(emu: Emulator) -> dict[str, int]:
    """Posts that exist on each emulated platform (requests it refused, e.g. with a 429, created nothing)."""
    return {
        "x": len(emu.platform("x").tweets),  # type: ignore[attr-defined]
        "linkedin": len(emu.platform("linkedin").posts),  # type: ignore[attr-defined]
        "instagram": len(emu.platform("instagram").media.media),  # type: ignore[attr-defined]
        "tiktok": len(emu.platform("tiktok").posting.posts),  # type: ignore[attr-defined]
    }


def _states(hub_env: HubEnv) -> Counter[str]:
    with hub_env.hub.owner() as conn:
        return Counter(r["status"] for r in conn.execute("SELECT status FROM post_targets"))


def test_200_posts_go_out_once_and_never_early_across_a_worker_kill(
    hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers, tmp_path: Path
) -> None:
    assert settings.member_id is not None
    accounts = {p: connect_account(hub_env.hub, settings, settings.member_id, p) for p in PLATFORMS}
    photo = MediaFactory(tmp_path).image("photo.jpg", (1080, 1080))
    plan = [(p, i) for i in range(max(SHARE.values())) for p in SHARE if i < SHARE[p]]
    assert len(plan) == 200
    start = datetime.now(UTC) + timedelta(seconds=20)
    _schedule(hub_env, settings, accounts, photo, plan, start, spacing=0.6)
    _host(emu, settings)

    first = workers.start(threads=4)
    assert wait_for(lambda: _states(hub_env)["published"] >= 60, timeout=180), _states(hub_env)
    workers.kill(first)  # SIGKILL: whatever it was doing is cut off mid-flight
    killed_at = _states(hub_env)
    workers.start(threads=4)
    done = wait_for(lambda: _states(hub_env)["published"] == 200, timeout=300, every=1.0)
    assert done, f"after the kill at {dict(killed_at)}: {dict(_states(hub_env))}; see {workers.log}"

    with hub_env.hub.owner() as conn:
        rows = conn.execute("SELECT platform, due_at, first_request_at, lateness_ms, remote_ids FROM post_targets")
        targets = rows.fetchall()
        ledger = conn.execute("SELECT state, count(*) AS n FROM publish_ledger GROUP BY state").fetchall()
        why = conn.execute(
            "SELECT error_class, left(detail, 160) AS detail, count(*) AS n FROM publish_ledger"
            " WHERE state = 'failed' GROUP BY 1, 2 ORDER BY 3 DESC"
        ).fetchall()
    print("failed attempts:", why)
    assert all(len(t["remote_ids"]) == 1 for t in targets)
    assert all(t["first_request_at"] >= t["due_at"] for t in targets), "a post went out early"
    assert _created(emu) == SHARE, "a post was created twice (or not at all) on a platform"
    texts = Counter(json.loads(r.body).get("text") for r in emu.requests if r.endpoint == "create_tweet")
    assert max(texts.values()) == 1
    assert {r["state"] for r in ledger} <= {"ok", "reconciled", "abandoned", "failed"}, ledger
    assert all(r["error_class"] == "RateLimited" for r in why), why  # budget refusals only: nothing was sent
    lateness = sorted(t["lateness_ms"] for t in targets)
    print(f"lateness p50={lateness[len(lateness) // 2]} ms p99={lateness[int(len(lateness) * 0.99)]} ms")


def test_a_lost_queue_entry_is_found_by_the_watchdog_within_two_minutes(
    hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers, tmp_path: Path
) -> None:
    assert settings.member_id is not None
    accounts = {"linkedin": connect_account(hub_env.hub, settings, settings.member_id, "linkedin")}
    due = datetime.now(UTC) + timedelta(seconds=3)
    [target] = _schedule(hub_env, settings, accounts, tmp_path / "unused.jpg", [("linkedin", 1)], due, 0)
    with hub_env.hub.owner() as conn:  # dequeued and never run: the queue entry is simply gone
        lost = conn.execute("DELETE FROM huey_task").rowcount + conn.execute("DELETE FROM huey_schedule").rowcount
        assert lost == 1
    workers.start(threads=2)
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))

    def published() -> bool:
        return _states(hub_env)["published"] == 1

    assert wait_for(published, timeout=150, every=1.0), workers.log.read_text()[-2000:]
    with hub_env.hub.owner() as conn:
        row = conn.execute("SELECT due_at, published_at FROM post_targets WHERE id = %s", [target]).fetchone()
    assert row is not None and row["published_at"] - row["due_at"] < timedelta(minutes=2)

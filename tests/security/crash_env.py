"""What the crash tests share: a workspace whose `psn worker` processes publish to the emulator, posts
scheduled through the real queue, the minute's watchdog sweep run on demand, and a way to make the
emulator hold the answer to one particular write (the n-th call of an endpoint) open while the worker
that sent it is killed."""

from __future__ import annotations

import mimetypes
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from starlette.responses import Response

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.emulator.routing import Call
from psn_core.emulator.settings import as_env
from psn_core.queue import Producer
from psn_core.services.posting.posts import PartInput, PostInput, TargetInput, create_post, schedule_and_enqueue
from psn_core.services.posting.schedule_time import ScheduleTime
from psn_core.services.posting.watchdog import WatchdogReport, lease_is_free, run_watchdog
from psn_core.timefmt import utcnow
from psn_core.workspace import set_env_values
from tests.e2e.conftest import wait_for
from tests.support.hubs import TEST_APP_PASSWORD, HubEnv, make_settings, new_member
from tests.support.platform_env import emulator_overrides


def worker_settings(hub_env: HubEnv, emu: Emulator) -> Settings:
    """A member of the test hub whose hub.env points `psn worker` at the hub and the emulator."""
    member = new_member(hub_env.hub)
    values: dict[str, object] = {
        "database_url": hub_env.server.conninfo(hub_env.database),
        "app_password": TEST_APP_PASSWORD,
        "member_id": str(member),
        "timezone": "UTC",
        "media_host_url": f"{emu.base_url}/_media/",
        **emulator_overrides(emu),
    }
    set_env_values(hub_env.settings.workspace / "hub.env", as_env(values))
    return make_settings(hub_env.settings.workspace, str(values["database_url"]), timezone="UTC")


def schedule(hub_env: HubEnv, settings: Settings, account_id: UUID, parts: list[PartInput], due: datetime) -> UUID:
    """One post of ``parts`` on one account, scheduled for ``due`` through the real queue; its target id."""
    assert settings.member_id is not None
    member = settings.member_id
    producer = Producer(settings, hub_env.hub)
    try:
        post = PostInput(targets=[TargetInput(account_id=account_id, parts=parts)])
        media_dir, host = settings.workspace / "media", settings.media_host_url
        with hub_env.hub.transaction(member) as conn:
            draft = create_post(conn, member, post, timezone="UTC", media_dir=media_dir, media_host=host)
        when = ScheduleTime(utc=due, local=due.replace(tzinfo=None), zone="UTC")
        view = schedule_and_enqueue(hub_env.hub, member, draft.id, when, producer.enqueue_publish)
    finally:
        producer.close()
    return view.targets[0].id


def host_media(emu: Emulator, settings: Settings) -> None:
    """What the user's media host does: serve the workspace's media folder publicly."""
    for path in (settings.workspace / "media").glob("*"):
        emu.host_media(path.name, path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream")


def target_status(hub_env: HubEnv, target: UUID) -> str:
    with hub_env.hub.owner() as conn:
        row = conn.execute("SELECT status FROM post_targets WHERE id = %s", [target]).fetchone()
    assert row is not None
    return str(row["status"])


def sweep_when_leases_are_free(hub_env: HubEnv, settings: Settings, timeout: float = 15) -> WatchdogReport:
    """The minute's watchdog sweep, run now instead of at the next minute: once Postgres has seen the killed
    worker's connections go (their advisory locks with them), every target left publishing is resumed."""
    assert settings.member_id is not None
    member = settings.member_id
    with hub_env.hub.owner() as conn:
        publishing = [r["id"] for r in conn.execute("SELECT id FROM post_targets WHERE status = 'publishing'")]
    assert wait_for(lambda: all(lease_is_free(hub_env.hub, member, t) for t in publishing), timeout, every=0.2)
    producer = Producer(settings, hub_env.hub)
    try:
        return run_watchdog(hub_env.hub, member, producer.enqueue_publish, utcnow())
    finally:
        producer.close()


@contextmanager
def hold_call(emu: Emulator, platform: str, endpoint: str | tuple[str, ...], nth: int) -> Iterator[Callable[[], bool]]:
    """Make the emulator apply the ``nth`` call (1-based) of one write endpoint (or of several, counted
    together) and then hold its answer open (the emulator's ``timeout_after_write``, aimed at one call
    instead of the next one). Yields a check that is true once that call has been applied and is held."""
    endpoints = (endpoint,) if isinstance(endpoint, str) else endpoint
    book = emu.world.faults
    original = book.take_write_timeout
    seen = {"calls": 0, "held": False}

    def take(name: str, called: str) -> bool:
        if name == platform and called in endpoints:
            seen["calls"] += 1
            if seen["calls"] == nth:
                seen["held"] = True
                return True
        return original(name, called)

    book.take_write_timeout = take  # type: ignore[method-assign,assignment]
    try:
        yield lambda: bool(seen["held"])
    finally:
        book.take_write_timeout = original  # type: ignore[method-assign]


class XUploadCalls:
    """Counts what reaches X's chunked upload (initialize, append per media id and segment, finalize)."""

    def __init__(self, emu: Emulator) -> None:
        store = emu.platform("x").media  # type: ignore[attr-defined]
        self.inits = 0
        self.finalizes = 0
        self.appends: Counter[tuple[str, int]] = Counter()
        init, append, finalize = store.initialize, store._append, store._finalize

        async def counted_init(call: Call) -> Response:
            self.inits += 1
            return await init(call)  # type: ignore[no-any-return]

        async def counted_append(call: Call, media_id: str) -> Response:
            form = await call.form()
            self.appends[(media_id, int(form.get("segment_index", "-1")))] += 1
            return await append(call, media_id)  # type: ignore[no-any-return]

        def counted_finalize(call: Call, media_id: str) -> Response:
            self.finalizes += 1
            return finalize(call, media_id)  # type: ignore[no-any-return]

        store.initialize, store._append, store._finalize = counted_init, counted_append, counted_finalize

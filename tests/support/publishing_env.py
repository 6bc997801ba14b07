"""A hub, the emulator on a manual clock, one connected account per platform, and a Publisher whose
queue is a recording fake (the real huey queue is exercised by the e2e tests)."""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator, ManualClock
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import AccountView
from psn_core.services.posting.posts import (
    PartInput,
    PostInput,
    PostView,
    TargetInput,
    TargetView,
    create_post,
    enqueue_due,
    get_post,
    schedule_post,
)
from psn_core.services.posting.publishing import Publisher
from psn_core.services.posting.schedule_time import resolve
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.platform_env import connect_account, emulator_overrides


@dataclass
class PubEnv:
    env: HubEnv
    settings: Settings
    emu: Emulator
    clock: ManualClock
    member: uuid.UUID
    accounts: dict[str, AccountView]
    queue: list[tuple[uuid.UUID, uuid.UUID, datetime]] = field(default_factory=list)

    def enqueue(self, member: uuid.UUID, target: uuid.UUID, eta: datetime) -> str:
        self.queue.append((member, target, eta))
        return f"run-{len(self.queue)}"

    def sleep(self, seconds: float) -> None:
        self.clock.advance(max(seconds, 0.0))

    def publisher(self) -> Publisher:
        ring = load_keyring(self.settings)
        return Publisher(
            self.env.hub,
            self.settings,
            ring,
            enqueue=self.enqueue,
            clock=self.clock,
            sleep=self.sleep,
            jitter=lambda: 0.0,
        )

    def create(self, parts_by_platform: dict[str, list[PartInput]], **post: object) -> PostView:
        targets = [TargetInput(account_id=self.accounts[p].id, parts=parts) for p, parts in parts_by_platform.items()]
        with self.env.hub.transaction(self.member) as conn:
            draft = PostInput(targets=targets, **post)  # type: ignore[arg-type]
            media_dir, host = self.settings.workspace / "media", self.settings.media_host_url
            view = create_post(conn, self.member, draft, timezone="Europe/Madrid", media_dir=media_dir, media_host=host)
        self.host_media()
        return view

    def schedule(self, post: PostView, when: str | datetime | None = None) -> PostView:
        moment = resolve(when or self.clock(), "Europe/Madrid", self.clock())
        with self.env.hub.transaction(self.member) as conn:
            schedule_post(conn, self.member, post.id, moment)
        with self.env.hub.transaction(self.member) as conn:
            enqueue_due(conn, self.member, post.id, self.enqueue)
            return get_post(conn, self.member, post.id)

    def publish(self, post: PostView) -> dict[str, TargetView]:
        publisher = self.publisher()
        return {t.platform: publisher.publish(self.member, t.id) for t in post.targets}

    def host_media(self) -> None:
        """What the user's media host does: serve the workspace's media/ folder publicly."""
        folder = self.settings.workspace / "media"
        for path in folder.glob("*") if folder.exists() else []:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.emu.host_media(path.name, path.read_bytes(), kind)

    def requests(self, platform: str, endpoint: str) -> int:
        return sum(1 for r in self.emu.requests if r.platform == platform and r.endpoint == endpoint)


def make_pub_env(hub_env: HubEnv, emu: Emulator, clock: ManualClock, **overrides: object) -> PubEnv:
    settings = make_settings(
        hub_env.settings.workspace,
        hub_env.server.conninfo(hub_env.database),
        media_host_url=f"{emu.base_url}/_media/",
        **{**emulator_overrides(emu), **overrides},
    )
    member = new_member(hub_env.hub)
    accounts = {name: connect_account(hub_env.hub, settings, member, name, clock) for name in PLATFORMS}
    return PubEnv(hub_env, settings, emu, clock, member, accounts)


def parts(*texts: str, media: list[Path] | None = None) -> list[PartInput]:
    out = [PartInput(text=t) for t in texts]
    if media:
        out[0] = PartInput(text=texts[0] if texts else "", media=media)
    return out

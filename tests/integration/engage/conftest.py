"""What the engagement tests share: the publishing environment on the emulator (manual clock, the user in
Madrid), a strategy with an engagement section, and helpers to sweep, confirm and send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.emulator.instagram import InstagramEmulator
from psn_core.emulator.x import XEmulator
from psn_core.services.engage.models import Reply
from psn_core.services.engage.replies import ReplySender, confirm_reply, propose_reply
from psn_core.services.engage.sweep import EngagementSweeper
from psn_core.services.strategy import strategy_path
from psn_core.strategy.engagement import Engagement
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env

STRATEGY = """version: 1
pillars:
- name: databases
  weight: 2
- name: open-source
  weight: 1
engagement:
  keywords: [postgres, vacuum]
  daily_replies: {x: 3, instagram: 3}
  author_cooldown_hours: 12
  blocklist: ["@spam_bot"]
"""


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu_config() -> EmulatorConfig:
    return EmulatorConfig(processing_seconds=1, hold_seconds=3)


@pytest.fixture
def emu(clock: ManualClock, emu_config: EmulatorConfig) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=emu_config) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    env = make_pub_env(hub_env, emu, clock, platform_read_timeout=1.0, timezone="Europe/Madrid")
    strategy_path(env.settings.workspace).write_text(STRATEGY, encoding="utf-8")
    return env


def x_of(emu: Emulator) -> XEmulator:
    return cast(XEmulator, emu.platform("x"))


def ig_of(emu: Emulator) -> InstagramEmulator:
    return cast(InstagramEmulator, emu.platform("instagram"))


def sweeper(pub: PubEnv) -> EngagementSweeper:
    return EngagementSweeper(pub.env.hub, pub.settings, load_keyring(pub.settings), clock=pub.clock, sleep=pub.sleep)


def sender(pub: PubEnv) -> ReplySender:
    return ReplySender(pub.env.hub, pub.settings, load_keyring(pub.settings), clock=pub.clock, sleep=pub.sleep)


def config(pub: PubEnv) -> Engagement:
    return sweeper(pub).config()[0]


def confirm(pub: PubEnv, ref: str, text: str) -> Reply:
    """What the gate does once the user says yes: propose, then commit exactly that."""
    zone = pub.settings.zone
    with pub.env.hub.transaction(pub.member) as conn:
        _, proposal = propose_reply(conn, pub.member, ref, text, config(pub), pub.clock(), zone)
    return confirm_reply(pub.env.hub, pub.member, proposal, ref, text, config(pub), pub.clock(), zone)

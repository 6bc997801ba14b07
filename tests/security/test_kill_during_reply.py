"""A reply the user confirmed survives a `psn worker` SIGKILLed between the confirmation and the send: the
restarted worker posts it, or finds it already on the platform, and the conversation ends up with exactly
one reply (0 lost, 0 duplicated), counted on the platform by in_reply_to and text."""

from __future__ import annotations

import json
from typing import cast
from uuid import UUID

import pytest

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.emulator.x import XEmulator
from psn_core.queue import Producer
from psn_core.services.engage import inbox
from psn_core.services.engage.replies import confirm_reply, propose_reply
from psn_core.services.engage.sweep import EngagementSweeper
from psn_core.strategy.engagement import Engagement
from psn_core.timefmt import utcnow
from tests.e2e.conftest import Workers, wait_for
from tests.security.crash_env import hold_call
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.pg, pytest.mark.slow]
TEXT = "Start with autovacuum: lower the scale factor on the big tables & watch it."


def _confirmed_reply(hub_env: HubEnv, settings: Settings, emu: Emulator) -> tuple[UUID, str]:
    """A mention swept into the inbox, triaged yes, and a reply confirmed: (reply id, mention id)."""
    assert settings.member_id is not None
    member = settings.member_id
    connect_account(hub_env.hub, settings, member, "x")
    x = cast(XEmulator, emu.platform("x"))
    fan = emu.create_user("x", username="pg_fan")
    mention = x.conversations.post_as(fan, f"@{emu.default_user('x').username} how do I tune postgres vacuum?")
    EngagementSweeper(hub_env.hub, settings, load_keyring(settings)).sweep(member)
    config = Engagement()
    with hub_env.hub.transaction(member) as conn:
        [found] = inbox.list_opportunities(conn, member, utcnow())
        inbox.triage(conn, [(str(found.id), "yes")], utcnow())
        _, proposal = propose_reply(conn, member, str(found.id), TEXT, config, utcnow(), settings.zone)
    reply = confirm_reply(hub_env.hub, member, proposal, str(found.id), TEXT, config, utcnow(), settings.zone)
    return reply.id, mention.id


def _state(hub_env: HubEnv, reply_id: UUID) -> tuple[str, str | None]:
    with hub_env.hub.owner() as conn:
        row = conn.execute("SELECT state, remote_id FROM engagement_replies WHERE id = %s", [reply_id]).fetchone()
    assert row is not None
    return str(row["state"]), row["remote_id"]


def _replies_on_x(emu: Emulator, mention_id: str) -> list[str]:
    x = cast(XEmulator, emu.platform("x"))
    return [t.id for t in x.tweets.values() if t.in_reply_to_tweet_id == mention_id and t.text == TEXT]


def _until_sent(hub_env: HubEnv, settings: Settings, reply_id: UUID, workers: Workers) -> None:
    """Queue the reply for the running worker until it settles (a killed sender's lease may take a moment to
    go; the worker's send_replies task would pick it up within the minute anyway)."""
    assert settings.member_id is not None
    with Producer(settings, hub_env.hub) as producer:
        for _ in range(8):
            producer.enqueue_reply(settings.member_id, reply_id)
            if wait_for(lambda: _state(hub_env, reply_id)[0] == "sent", timeout=5, every=0.2):
                return
    raise AssertionError(workers.log.read_text()[-3000:])


def test_a_worker_killed_while_x_holds_the_reply_leaves_exactly_one_reply(
    hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers
) -> None:
    reply_id, mention_id = _confirmed_reply(hub_env, settings, emu)
    assert settings.member_id is not None
    with hold_call(emu, "x", "create_tweet", 1) as held:
        first = workers.start(threads=2)
        with Producer(settings, hub_env.hub) as producer:
            producer.enqueue_reply(settings.member_id, reply_id)
        assert wait_for(held, timeout=30, every=0.1), workers.log.read_text()[-3000:]
        workers.kill(first)  # SIGKILL: X applied the reply, the worker never learned it
        assert _state(hub_env, reply_id)[0] == "sending"  # the ledger said so before the request left
        workers.start(threads=2)
        _until_sent(hub_env, settings, reply_id, workers)
    on_x = _replies_on_x(emu, mention_id)
    assert len(on_x) == 1, on_x  # 0 lost, 0 duplicated
    assert _state(hub_env, reply_id) == ("sent", on_x[0])  # reconciled: found on the account, not resent
    posts = [json.loads(r.body) for r in emu.requests if r.endpoint == "create_tweet"]
    assert posts == [{"text": TEXT, "reply": {"in_reply_to_tweet_id": mention_id}}]


def test_a_worker_killed_before_it_sends_leaves_the_reply_to_the_next_one(
    hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers
) -> None:
    reply_id, mention_id = _confirmed_reply(hub_env, settings, emu)
    assert settings.member_id is not None
    with Producer(settings, hub_env.hub) as producer:
        producer.enqueue_reply(settings.member_id, reply_id)  # confirmed and queued, no worker yet
    first = workers.start(threads=2)
    workers.kill(first)  # killed at once: before, during or after its send, whichever came first
    assert _state(hub_env, reply_id)[0] in ("confirmed", "sending", "sent")
    workers.start(threads=2)
    _until_sent(hub_env, settings, reply_id, workers)
    on_x = _replies_on_x(emu, mention_id)
    assert len(on_x) == 1, on_x
    assert _state(hub_env, reply_id) == ("sent", on_x[0])

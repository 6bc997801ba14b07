"""Engagement tools over the real MCP protocol: the inbox listed and triaged, and send_reply behind the human
gate. A client that can ask its user asks (no: nothing stored); one that cannot gets a preview and a token
that commits exactly that reply once; a token for other text, or a reply psn refuses, stores nothing."""

from __future__ import annotations

import uuid
from typing import cast

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.emulator.x import XEmulator
from psn_core.services.engage.replies import ReplySender
from psn_core.services.engage.sweep import EngagementSweeper
from tests.mcp.conftest import error_of, structured
from tests.mcp.test_mcp_gate import asking_client, token_client, user_says
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.anyio, pytest.mark.pg]
TEXT = "Start with autovacuum on the big tables."


@pytest.fixture
def engage_server(hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings, emu: Emulator) -> MCPServer:
    connect_account(hub_env.hub, emulator_settings, member, "x")
    x = cast(XEmulator, emu.platform("x"))
    fan = emu.create_user("x", username="pg_fan")
    x.conversations.post_as(fan, f"@{emu.default_user('x').username} how do I tune postgres vacuum?")
    EngagementSweeper(hub_env.hub, emulator_settings, load_keyring(emulator_settings)).sweep(member)
    return build_server(emulator_settings)


def replies(hub_env: HubEnv) -> list[str]:
    with hub_env.hub.owner() as conn:
        return [r["text"] for r in conn.execute("SELECT text FROM engagement_replies").fetchall()]


async def test_list_triage_and_a_token_that_commits_exactly_that_reply_once(
    engage_server: MCPServer, hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings, emu: Emulator
) -> None:
    async with token_client(engage_server) as client:
        [found] = structured(await client.call_tool("list_opportunities", {}))["opportunities"]
        assert found["addressed"] and found["can_reply"]
        triaged = structured(
            await client.call_tool("triage_opportunities", {"decisions": [{"id": found["id"], "verdict": "yes"}]})
        )
        assert triaged["triaged"][0]["state"] == "yes"

        long = await client.call_tool("send_reply", {"opportunity_id": found["id"], "text": "x" * 281})
        assert "the limit is 280" in error_of(long)[0]

        args = {"opportunity_id": found["id"], "text": TEXT}
        preview = structured(await client.call_tool("send_reply", args))
        assert preview["step"] == "preview" and TEXT in preview["preview"]["message"]
        token = preview["preview"]["confirmation_token"]
        other = await client.call_tool("send_reply", {**args, "text": "Something else", "confirmation_token": token})
        assert "another action, post, time or content" in error_of(other)[0]
        assert replies(hub_env) == []

        queued = structured(await client.call_tool("send_reply", {**args, "confirmation_token": token}))
        assert queued["step"] == "queued" and queued["reply"]["state"] == "confirmed"
        again = await client.call_tool("send_reply", {**args, "confirmation_token": token})
        assert error_of(again)[0]  # the token was spent, and psn replies once anyway
    assert replies(hub_env) == [TEXT]

    sent = ReplySender(hub_env.hub, emulator_settings, load_keyring(emulator_settings)).send_open(member)
    assert [r.state for r in sent] == ["sent"]
    assert sum(1 for r in emu.requests if r.endpoint == "create_tweet") == 1


async def test_a_user_who_says_no_gets_no_reply(engage_server: MCPServer, hub_env: HubEnv) -> None:
    asked: list[str] = []
    async with asking_client(engage_server, user_says("decline", asked)) as client:
        [found] = structured(await client.call_tool("list_opportunities", {}))["opportunities"]
        answer = structured(await client.call_tool("send_reply", {"opportunity_id": found["id"], "text": TEXT}))
    assert answer["step"] == "declined" and "no reply was posted" in answer["note"]
    assert len(asked) == 1 and "Post this reply?" in asked[0] and TEXT in asked[0]
    assert replies(hub_env) == []


async def test_status_says_what_each_account_can_do(engage_server: MCPServer) -> None:
    async with Client(engage_server, mode="legacy") as client:
        [x] = structured(await client.call_tool("engagement_status", {}))["accounts"]
    assert x["platform"] == "x" and x["can_reply"] and "mentioned you" in x["rule"]
    assert {s["source"]: s["state"] for s in x["sources"]} == {"mentions": "ready", "search": "off"}

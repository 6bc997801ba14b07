"""The learning tools over the real MCP protocol on a real hub: the preference model read and refreshed,
and a strategy proposal approved (strategy.yaml changes, with the proposal's evidence) or refused twice."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from mcp import Client

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.services.learning.loop import run_weekly
from psn_core.services.strategy import init_strategy, load_strategy
from psn_core.strategy.defaults import StrategySeed
from tests.mcp.conftest import error_of, structured
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv
from tests.support.learning_world import ZONE, World, at, monday_of

pytestmark = [pytest.mark.anyio, pytest.mark.pg, pytest.mark.dates]

MONDAY = monday_of(start_instant()) + timedelta(weeks=1)
NOW = at(MONDAY + timedelta(weeks=3, days=1), 7)


async def test_preferences_and_a_proposal_decided_over_mcp(
    hub_env: HubEnv, member: uuid.UUID, settings: Settings
) -> None:
    workspace = settings.workspace
    init_strategy(workspace, StrategySeed(talks_like="between", platforms=["x", "linkedin"]))
    world = World(hub_env.hub, member)
    for n in range(3):
        world.week_of(MONDAY + timedelta(weeks=n))
    server = build_server(settings, clock=lambda: NOW)

    async with Client(server) as client:
        before = structured(await client.call_tool("get_preferences", {}))
        refreshed = structured(await client.call_tool("refresh_preferences", {}))
        stored = structured(await client.call_tool("get_preferences", {}))
        with hub_env.hub.transaction(member) as conn:
            proposals = {p.path: p for p in run_weekly(conn, member, workspace=workspace, zone=ZONE, now=NOW).proposals}
        approved = structured(
            await client.call_tool(
                "decide_strategy_proposal", {"proposal_id": proposals["frequency.x"].id, "decision": "approve"}
            )
        )
        twice = await client.call_tool(
            "decide_strategy_proposal", {"proposal_id": proposals["frequency.x"].id, "decision": "reject"}
        )

    assert before.get("result", before) is None
    assert refreshed["posts"] == 24 and refreshed["pillars"][0]["key"] == "expertise"
    assert stored.get("result", stored)["computed_at"] == refreshed["computed_at"]
    assert approved["status"] == "approved" and approved["value"] == 6
    strategy = load_strategy(workspace)
    assert strategy is not None and strategy.frequency["x"] == 6
    message, action = error_of(twice)
    assert f"#{proposals['frequency.x'].id}" in message and "psn review" in action

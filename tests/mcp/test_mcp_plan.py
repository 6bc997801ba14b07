"""The weekly plan tools over the real MCP protocol, from the test clock: no strategy is a clear error;
Claude's proposals stored as sparks and rated by id; plan_week uses the loved idea; save_draft with a
plan_slot_id drafts that slot (get_plan shows the progress); what_to_post answers in order."""

from __future__ import annotations

import uuid

import pytest
from mcp import Client

from mcp_server.server import build_server
from psn_core.config import Settings
from tests.mcp.conftest import error_of, structured
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv
from tests.support.plan_world import STRATEGY_YAML as STRATEGY
from tests.support.plan_world import next_week
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.anyio, pytest.mark.pg]


async def test_propose_rate_plan_draft_a_slot_and_ask_what_to_post(
    hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings
) -> None:
    connect_account(hub_env.hub, emulator_settings, member, "x")
    week = next_week(start_instant()).isoformat()
    async with Client(build_server(emulator_settings, clock=start_instant)) as client:
        refused = await client.call_tool("plan_week", {"week": week})
        (emulator_settings.workspace / "strategy.yaml").write_text(STRATEGY, "utf-8")
        proposed = structured(
            await client.call_tool(
                "propose_ideas",
                {
                    "ideas": [
                        {"text": "Why we bake at 4am", "pillar": "bakery"},
                        {"text": "Our flour supplier story", "pillar": "business"},
                        {"text": "Gluten myths", "pillar": "bakery"},
                    ]
                },
            )
        )
        love, maybe, kill = (i["id"] for i in proposed["ideas"])
        no_reason = await client.call_tool("rate_ideas", {"ratings": [{"idea_id": kill, "rating": "kill"}]})
        rated = structured(
            await client.call_tool(
                "rate_ideas",
                {
                    "ratings": [
                        {"idea_id": love, "rating": "love"},
                        {"idea_id": maybe, "rating": "maybe"},
                        {"idea_id": kill, "rating": "kill", "reason": "done to death"},
                    ]
                },
            )
        )
        plan = structured(await client.call_tool("plan_week", {"week": week}))
        slot = next(s for s in plan["slots"] if s["idea_id"] == love)
        saved = structured(
            await client.call_tool(
                "save_draft",
                {"targets": [{"account": "x", "parts": ["We bake at 4am. Here is why."]}], "plan_slot_id": slot["id"]},
            )
        )
        twice = await client.call_tool(
            "save_draft", {"targets": [{"account": "x", "parts": ["Again"]}], "plan_slot_id": slot["id"]}
        )
        shown = structured(await client.call_tool("get_plan", {"week": week}))
        answer = structured(await client.call_tool("what_to_post", {}))
    message, action = error_of(refused)
    assert "strategy" in message.lower() and "psn strategy init" in action
    assert {i["source"] for i in proposed["ideas"]} == {"plan"} and {i["state"] for i in proposed["ideas"]} == {"spark"}
    assert "reason" in error_of(no_reason)[0].lower()
    assert [r["state"] for r in rated["rated"]] == ["ready", "seed", "killed"]
    assert plan["capacity"] == 3 and len(plan["slots"]) == 3 and plan["state"] == "proposed"
    assert kill not in {s["idea_id"] for s in plan["slots"]}
    drafted = next(s for s in shown["slots"] if s["id"] == slot["id"])
    assert (drafted["state"], drafted["post_id"]) == ("drafted", saved["id"])
    assert shown["state"] == "accepted" and shown["progress"]["done"] == 1 and shown["progress"]["planned"] == 3
    assert "drafted" in error_of(twice)[0]
    kinds = [s["kind"] for s in answer["suggestions"]]
    assert love not in {s["idea_id"] for s in answer["suggestions"] if s["kind"] == "idea"}  # developed now
    assert kinds == sorted(kinds, key=["series", "idea", "slot", "remix", "recycle", "proposed"].index)

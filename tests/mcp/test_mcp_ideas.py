"""The ideas tools over the real MCP protocol: capture with tags and inferred urgency, list and search,
move through the states (a kill needs a reason), and save_draft with idea_id developing the idea."""

from __future__ import annotations

import uuid

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.config import Settings
from tests.mcp.conftest import error_of, structured
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.anyio, pytest.mark.pg]


async def test_capture_list_search_and_move_an_idea(server: MCPServer) -> None:
    async with Client(server) as client:
        made = structured(
            await client.call_tool("capture_idea", {"text": "Breaking: rye prices double #pillar:bakery #platform:x"})
        )
        other = structured(await client.call_tool("capture_idea", {"text": "Receta de pan de Navidad"}))
        listed = structured(await client.call_tool("list_ideas", {}))
        searched = structured(await client.call_tool("list_ideas", {"query": "rye prices", "state": "all"}))
        promoted = structured(await client.call_tool("update_idea_state", {"idea_id": made["id"], "action": "promote"}))
        refused = await client.call_tool("update_idea_state", {"idea_id": made["id"], "action": "kill"})
        killed = structured(
            await client.call_tool(
                "update_idea_state", {"idea_id": other["id"], "action": "kill", "reason": "not this year"}
            )
        )
        live = structured(await client.call_tool("list_ideas", {"state": "live"}))
    assert (made["text"], made["pillar"], made["platform"]) == ("Breaking: rye prices double", "bakery", "x")
    assert (made["urgency"], made["urgency_inferred"], made["state"]) == ("timely", True, "spark")
    assert (other["urgency"], other["language"]) == ("seasonal", "es")
    assert {i["id"] for i in listed["ideas"]} == {made["id"], other["id"]}
    assert [i["id"] for i in searched["ideas"]] == [made["id"]] and searched["ideas"][0]["rank"] > 0
    assert promoted["state"] == "seed"
    message, action = error_of(refused)
    assert "needs a reason" in message and "reason" in action
    assert (killed["state"], killed["kill_reason"]) == ("killed", "not this year")
    assert [i["id"] for i in live["ideas"]] == [made["id"]]


async def test_a_bad_tag_is_refused_and_nothing_is_stored(server: MCPServer) -> None:
    async with Client(server) as client:
        refused = await client.call_tool("capture_idea", {"text": "Something #piller:ai"})
        listed = structured(await client.call_tool("list_ideas", {"state": "all"}))
    message, action = error_of(refused)
    assert "#piller" in message and "#pillar:NAME" in action
    assert listed["ideas"] == []


async def test_save_draft_with_an_idea_develops_it_and_links_the_post(
    hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings
) -> None:
    connect_account(hub_env.hub, emulator_settings, member, "x")
    async with Client(build_server(emulator_settings, clock=start_instant)) as client:
        made = structured(await client.call_tool("capture_idea", {"text": "Why we bake at 4am"}))
        saved = structured(
            await client.call_tool(
                "save_draft",
                {"targets": [{"account": "x", "parts": ["We bake at 4am. Here is why."]}], "idea_id": made["id"]},
            )
        )
        after = structured(await client.call_tool("list_ideas", {"state": "developed"}))
        wrong = await client.call_tool(
            "save_draft", {"targets": [{"account": "x", "parts": ["Another"]}], "idea_id": str(uuid.uuid4())}
        )
        drafts = structured(await client.call_tool("list_drafts", {}))
    (idea,) = after["ideas"]
    assert idea["id"] == made["id"] and idea["post_ids"] == [saved["id"]]
    message, _ = error_of(wrong)
    assert "idea" in message.lower()
    assert [d["id"] for d in drafts["drafts"]] == [saved["id"]]  # the refused draft saved nothing

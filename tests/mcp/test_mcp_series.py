"""The series tools over the real MCP protocol: create (a cadence that never fires refused, nothing saved),
list, read with analytics, pause / resume / retire, episodes due from a fixed day across a DST change,
get_draft_context with the series' template, and save_draft with a series linking the post."""

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

TIPS = {
    "name": "Tuesday tips",
    "platforms": ["x"],
    "starts_on": "2026-03-03",
    "time_of_day": "09:00",
    "template": {"structure": ["hook", "tip"], "intro": "Tip {label}:", "hashtags": ["#tips"]},
    "first_episode": 12,
}


async def test_create_list_read_move_and_due(server: MCPServer) -> None:
    async with Client(server) as client:
        never = await client.call_tool(
            "create_series", {**TIPS, "cadence": "rrule", "rrule": "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2"}
        )
        empty = structured(await client.call_tool("list_series", {"state": "all"}))
        made = structured(await client.call_tool("create_series", TIPS))
        listed = structured(await client.call_tool("list_series", {}))
        detail = structured(await client.call_tool("get_series", {"series": "tuesday-tips"}))
        due = structured(await client.call_tool("series_due", {"start": "2026-03-23", "days": 14}))
        paused = structured(await client.call_tool("update_series", {"series": made["id"], "action": "pause"}))
        none_due = structured(await client.call_tool("series_due", {"start": "2026-03-23"}))
        retired = structured(await client.call_tool("update_series", {"series": "tuesday-tips", "action": "retire"}))
        refused = await client.call_tool("update_series", {"series": "tuesday-tips", "action": "resume"})
        suggestions = structured(await client.call_tool("detect_series", {}))
    message, action = error_of(never)
    assert "never fires" in message and "nothing was saved" in message and action
    assert empty["series"] == []
    assert (made["slug"], made["next_label"], made["rrule"]) == ("tuesday-tips", "#12", "FREQ=WEEKLY;BYDAY=TU")
    assert [s["id"] for s in listed["series"]] == [made["id"]]
    assert detail["analytics"]["episodes"] == 0 and detail["series"]["template"]["intro"] == "Tip {label}:"
    # the tests' zone; 09:00 there on both sides of the DST change
    assert [(e["label"], e["already_scheduled"]) for e in due["episodes"]] == [("#12", False), ("#13", False)]
    assert [(e["due_at"], e["local_time"]) for e in due["episodes"]] == [
        ("2026-03-24T08:00:00Z", "Tue 2026-03-24 09:00 (Europe/Madrid)"),
        ("2026-03-31T07:00:00Z", "Tue 2026-03-31 09:00 (Europe/Madrid)"),
    ]
    assert (paused["state"], none_due["episodes"], retired["state"]) == ("paused", [], "retired")
    assert "retired" in error_of(refused)[0]
    assert suggestions["suggestions"] == []


async def test_drafting_an_episode_gives_its_template_and_saving_links_it(
    hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings
) -> None:
    connect_account(hub_env.hub, emulator_settings, member, "x")
    async with Client(build_server(emulator_settings, clock=start_instant)) as client:
        made = structured(await client.call_tool("create_series", TIPS))
        context = structured(
            await client.call_tool("get_draft_context", {"platform": "x", "language": "en", "series": "tuesday-tips"})
        )
        saved = structured(
            await client.call_tool(
                "save_draft",
                {"targets": [{"account": "x", "parts": ["Tip #12: ship small. #tips"]}], "series": "tuesday-tips"},
            )
        )
        wrong = await client.call_tool(
            "save_draft", {"targets": [{"account": "x", "parts": ["Another"]}], "series": "no-such-series"}
        )
        drafts = structured(await client.call_tool("list_drafts", {}))
    assert (context["series"]["label"], context["series"]["intro"]) == ("#12", "Tip #12:")
    assert context["series"]["series_id"] == made["id"]
    assert "series" in error_of(wrong)[0].lower()
    assert [d["id"] for d in drafts["drafts"]] == [saved["id"]]  # the refused draft saved nothing
    with hub_env.hub.transaction(member) as conn:
        link = conn.execute("SELECT series_id FROM series_posts WHERE post_id = %s", [saved["id"]]).fetchone()
    assert link == {"series_id": uuid.UUID(made["id"])}


async def test_update_series_edits_only_what_is_given_and_refuses_what_never_fires(server: MCPServer) -> None:
    async with Client(server) as client:
        made = structured(await client.call_tool("create_series", TIPS))
        changes = {"name": "Thursday tips", "rrule": "FREQ=WEEKLY;BYDAY=TH", "label_pattern": "Tip {n}"}
        edited = structured(
            await client.call_tool("update_series", {"series": "tuesday-tips", "action": "edit", "edit": changes})
        )
        never = await client.call_tool(
            "update_series",
            {"series": "tuesday-tips", "action": "edit", "edit": {"rrule": "FREQ=WEEKLY;UNTIL=20200101T000000Z"}},
        )
        no_changes = await client.call_tool("update_series", {"series": "tuesday-tips", "action": "edit"})
        after_refusals = structured(await client.call_tool("get_series", {"series": "tuesday-tips"}))["series"]
        await client.call_tool("update_series", {"series": "tuesday-tips", "action": "retire"})
        retired = await client.call_tool(
            "update_series", {"series": "tuesday-tips", "action": "edit", "edit": {"name": "Again"}}
        )
    assert (edited["id"], edited["name"], edited["cadence"], edited["rrule"], edited["next_label"]) == (
        made["id"],
        "Thursday tips",
        "rrule",
        "FREQ=WEEKLY;BYDAY=TH",
        "Tip 12",
    )
    assert edited["template"] == made["template"] and edited["time_of_day"] == made["time_of_day"]
    assert "never fires" in error_of(never)[0]
    assert "edit" in error_of(no_changes)[0]
    assert after_refusals == edited
    message, action = error_of(retired)
    assert "retired" in message and "nothing was changed" in message and action

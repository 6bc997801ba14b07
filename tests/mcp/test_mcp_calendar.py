"""The calendar through MCP: get_calendar over a personal and a company hub with a fixed clock, and the
two resources (this week's calendar, a voice profile file) read through the protocol."""

from __future__ import annotations

import json
from datetime import date

import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import TextResourceContents

from mcp_server.server import build_server
from psn_core.services.voice.files import init_profile
from psn_core.voice import CoreAnswers
from tests.mcp.conftest import error_of, structured
from tests.support.calendar_world import NOW, ZONE, World, company_env, world

pytestmark = [pytest.mark.anyio, pytest.mark.pg]
__all__ = ["company_env", "world"]  # fixtures


@pytest.fixture
def server(world: World) -> MCPServer:
    return build_server(world.settings, clock=lambda: NOW)


async def test_the_week_shows_both_hubs_side_by_side_with_the_overlap(world: World, server: MCPServer) -> None:
    world.post(world.x, "Coffee thoughts", "2027-03-23 09:00")
    world.company_post("Acme launches today", "2027-03-23 10:30")
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        week = structured(await client.call_tool("get_calendar", {}))
        month = structured(await client.call_tool("get_calendar", {"period": "month", "start": "2027-04-02"}))
        wrong = await client.call_tool("get_calendar", {"period": "year"})
    schema = tools["get_calendar"].input_schema["properties"]
    assert schema["period"]["enum"] == ["day", "week", "month"]
    assert "date" in json.dumps(schema["start"])
    assert (week["first_day"], week["last_day"], week["timezone"]) == ("2027-03-22", "2027-03-28", ZONE)
    tuesday = week["days"][1]
    assert [(e["hub_name"], e["platform"], e["handle"], e["status"]) for e in tuesday["entries"]] == [
        ("Personal", "x", "ana", "scheduled"),
        ("Acme", "x", "acme", "pending_approval"),
    ]
    assert tuesday["entries"][1]["local_time"] == "Tue 23 Mar 10:30 (Europe/Madrid)"
    assert [(o["kind"], o["minutes_apart"]) for o in week["overlaps"]] == [("across_hubs", 90)]
    assert [h["hub"] for h in week["hubs"]] == ["personal", "acme"]
    assert (month["first_day"], month["last_day"]) == ("2027-04-01", "2027-04-30")
    assert wrong.is_error


async def test_resources_are_the_weeks_calendar_and_the_voice_profile(world: World, server: MCPServer) -> None:
    world.post(world.x, "Coffee thoughts", "2027-03-23 09:00")
    voices = world.settings.workspace / "voices"
    async with Client(server) as client:
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
        (week,) = (await client.read_resource("psn://calendar/week")).contents
        with pytest.raises(MCPError) as missing:
            await client.read_resource("psn://voice/personal")
        init_profile(voices, CoreAnswers(name="Ana", talks_like="between", writing_sample="Hola. " * 20))
        (voice,) = (await client.read_resource("psn://voice/personal")).contents
        with pytest.raises(MCPError) as no_brand:
            await client.read_resource("psn://voice/brand_operator")  # the template: no such file yet
        with pytest.raises(MCPError) as bad:
            await client.read_resource("psn://voice/..%2F..%2Fhub.env")
    assert sorted(listed) == ["psn://calendar/week", "psn://voice/personal"]
    assert templates == ["psn://voice/{persona}"]
    assert isinstance(week, TextResourceContents) and week.mime_type == "application/json"
    calendar = json.loads(week.text)
    assert calendar["first_day"] == "2027-03-22" and calendar["days"][1]["entries"][0]["text"] == "Coffee thoughts"
    assert "What to do:" in str(missing.value)
    assert isinstance(voice, TextResourceContents) and voice.mime_type == "application/yaml"
    assert voice.text == (voices / "personal.yaml").read_text()
    assert "PSN_" not in str(bad.value)
    assert "brand_operator" in str(no_brand.value) and "What to do:" in str(no_brand.value)


async def test_the_calendar_is_a_tool_error_without_a_member(world: World) -> None:
    settings = world.settings.model_copy(update={"member_id": None})
    async with Client(build_server(settings, clock=lambda: NOW)) as client:
        result = await client.call_tool("get_calendar", {"start": str(date(2027, 3, 22))})
    assert "PSN_MEMBER_ID is not set" in error_of(result)[0]


async def test_claim_slot_and_release_slot_hold_a_company_slot_through_the_protocol(
    world: World, server: MCPServer
) -> None:
    """Ana (an editor of Acme) claims a slot, finds Ann's taken (named), releases Ann's claim, and sees the
    slots in get_calendar; every argument is described."""
    from psn_core.services.company import slots
    from psn_core.services.company.hubs import member_transaction
    from psn_core.services.posting.schedule_time import resolve

    with member_transaction(world.acme.hub, world.acme.ann) as conn:
        anns = slots.claim(conn, "x", resolve("2027-03-26 09:00", ZONE, NOW).utc, NOW, world.settings.zone).claim
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        mine = structured(await client.call_tool("claim_slot", {"account": "x", "when": "2027-03-25 09:00"}))
        again = structured(await client.call_tool("claim_slot", {"account": "x:@acme", "when": "2027-03-25 09:00"}))
        taken = await client.call_tool(
            "claim_slot", {"account": "x", "when": "2027-03-26 09:00", "company_name": "acme"}
        )
        past = await client.call_tool("claim_slot", {"account": "x", "when": "2027-03-24 09:00"})
        week = structured(await client.call_tool("get_calendar", {}))
        released = structured(await client.call_tool("release_slot", {"slot": str(anns.id)[:8]}))
        gone = await client.call_tool("release_slot", {"slot": str(anns.id)})
    for name in ("claim_slot", "release_slot"):
        for arg, spec in tools[name].input_schema["properties"].items():
            assert spec.get("description"), (name, arg)
    assert (mine["already_yours"], mine["claim"]["claimer"], mine["claim"]["mine"]) == (False, "Eve", True)
    assert again["already_yours"] and again["claim"]["id"] == mine["claim"]["id"]
    message, action = error_of(taken)
    assert "already claimed by Ann" in message and "nothing changed" in message and "Ann" in action
    assert "is in the past" in error_of(past)[0]
    claimed = [
        (s["local_time"], s["claimer"]) for d in week["days"] for s in d["slots"] if s["badge"] == "claimed slot"
    ]
    assert claimed == [("Thu 25 Mar 09:00 (Europe/Madrid)", "Eve"), ("Fri 26 Mar 09:00 (Europe/Madrid)", "Ann")]
    assert released["id"] == str(anns.id) and released["claimer"] == "Ann"
    assert "start with" in error_of(gone)[0] or "No claimed slot" in error_of(gone)[0]

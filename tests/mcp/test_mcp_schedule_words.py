"""schedule_post takes the user's words ("tomorrow 9am") read in their zone against the server's clock,
and its preview echoes the time in the zone and in UTC; words it cannot place are a tool error that says
what to send instead."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from mcp import Client

from mcp_server.server import build_server
from psn_core.config import Settings
from tests.mcp.conftest import ZONE, error_of, structured
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.anyio, pytest.mark.pg, pytest.mark.dates]

DRAFT = {"idea": "words", "targets": [{"account": "x", "parts": ["Scheduled in plain words."]}]}


async def test_schedule_post_in_words_previews_both_zones_then_schedules_that_instant(
    hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings
) -> None:
    connect_account(hub_env.hub, emulator_settings, member, "x")
    now = start_instant()
    tomorrow = now.astimezone(ZoneInfo(ZONE)).date() + timedelta(days=1)
    expected = datetime.combine(tomorrow, time(9), ZoneInfo(ZONE)).astimezone(UTC)
    server = build_server(emulator_settings, clock=lambda: now)
    async with Client(server) as client:
        draft = structured(await client.call_tool("save_draft", DRAFT))
        asked = {"post_id": draft["id"], "when": "tomorrow 9am"}
        answer = structured(await client.call_tool("schedule_post", asked))
        preview = answer["preview"]
        refused = await client.call_tool("schedule_post", {"post_id": draft["id"], "when": "yesterday 9am"})
        exact = expected.astimezone(ZoneInfo(ZONE)).isoformat(timespec="minutes")  # what the note says to send
        confirmed = {**asked, "when": exact, "confirmation_token": preview["confirmation_token"]}
        done = structured(await client.call_tool("schedule_post", confirmed))["scheduled"]
    assert preview["when"] == f"{tomorrow} 09:00 ({ZONE}) = {expected:%Y-%m-%d %H:%M} UTC"
    assert f"when='{exact}'" in answer["note"]
    assert done["when"] == preview["when"]
    assert [datetime.fromisoformat(t["due_at"]) for t in done["post"]["targets"]] == [expected]
    message, action = error_of(refused)
    assert "is in the past" in message and "tomorrow 9am" in action

"""Workspace tools: settings with secrets masked, and the doctor's checklist over a real hub."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.server import MCPServer

from psn_core.config import Settings
from tests.mcp.conftest import structured, text_of
from tests.support.hubs import TEST_APP_PASSWORD

pytestmark = pytest.mark.anyio


async def test_config_shows_every_setting_with_secrets_masked(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        result = await client.call_tool("show_config", {})
    view = structured(result)
    values = {s["name"]: s["value"] for s in view["settings"]}
    assert values["PSN_APP_PASSWORD"] == "••••word"  # last 4 of 15 characters
    assert values["PSN_DATABASE_URL"] == "postgresql://nobody@127.0.0.1:9/none"
    assert values["PSN_TIMEZONE"] == "UTC" and values["PSN_MEMBER_ID"] == "(not set)"
    assert "unused-password" not in text_of(result)


@pytest.mark.pg
async def test_doctor_runs_every_check_on_the_hub(server: MCPServer, settings: Settings) -> None:
    async with Client(server) as client:
        result = await client.call_tool("run_doctor", {})
    health = structured(result)
    names = [c["name"] for c in health["report"]["checks"]]
    assert {"hub reachable", "row-level security", "member"} <= set(names)
    assert health["report"]["workspace"] == str(settings.workspace)
    assert TEST_APP_PASSWORD not in text_of(result)
    failed = [c for c in health["report"]["checks"] if c["status"] == "fail"]
    assert health["ok"] is (not failed)
    assert all(c["fix"] for c in failed)

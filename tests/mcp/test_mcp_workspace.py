"""Workspace tools: settings with secrets masked, and the doctor's checklist over a real hub."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.errors import WorkspaceNotFound
from psn_core.hub.embedded import EmbeddedServer
from psn_core.services.setup import init_workspace
from tests.mcp.conftest import error_of, structured, text_of
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


@pytest.mark.pg
@pytest.mark.slow
async def test_init_workspace_makes_the_empty_folder_a_workspace_every_tool_then_uses(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    server = build_server(None, problem=WorkspaceNotFound(f"No psn workspace in {folder}."), home=folder)
    try:
        async with Client(server) as client:
            before = await client.call_tool("get_auth_status", {})
            wrong_zone = await client.call_tool("init_workspace", {"name": "Ana", "timezone": "Madrid"})
            written_after_wrong_zone = sorted(p.name for p in folder.iterdir())
            made = structured(await client.call_tool("init_workspace", {"name": "Ana", "timezone": "Europe/Madrid"}))
            status = structured(await client.call_tool("get_auth_status", {}))
            again = structured(await client.call_tool("init_workspace", {"name": "Ana", "timezone": "UTC"}))
    finally:
        EmbeddedServer(folder / ".psn" / "pg").stop()
    assert error_of(before)[0] == f"No psn workspace in {folder.resolve()} or any folder above it."
    assert "'Madrid' is not an IANA time zone" in error_of(wrong_zone)[0] and written_after_wrong_zone == []
    assert made["workspace"] == str(folder.resolve()) and made["member_created"] is True
    assert {"hub.env", ".psn/", "voices/", ".psn/master.key"} <= set(made["created"])
    assert "embedded" in made["hub"] and made["timezone"] == "Europe/Madrid"
    assert status == {"timezone": "Europe/Madrid", "accounts": []}
    # run again: nothing overwritten, the zone chosen first stays
    assert (again["member_id"], again["member_created"]) == (made["member_id"], False)
    assert again["timezone"] == "Europe/Madrid"
    assert Settings.load(folder).member_id == UUID(made["member_id"])


@pytest.mark.pg
@pytest.mark.slow
async def test_a_workspace_made_in_a_terminal_after_the_server_started_is_found_without_reconnecting(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "later"
    folder.mkdir()
    server = build_server(None, problem=WorkspaceNotFound(f"No psn workspace in {folder}."), home=folder)
    try:
        async with Client(server) as client:
            before = await client.call_tool("show_config", {})
            init_workspace(folder, name="Ana", timezone="America/New_York")  # what `psn init` does
            after = structured(await client.call_tool("show_config", {}))
    finally:
        EmbeddedServer(folder / ".psn" / "pg").stop()
    assert error_of(before)[0] == f"No psn workspace in {folder.resolve()} or any folder above it."
    assert after["workspace"] == str(folder.resolve())
    assert {s["name"]: s["value"] for s in after["settings"]}["PSN_TIMEZONE"] == "America/New_York"

"""Fixtures for the MCP tests: a real server built from settings, reached by the SDK's in-process client.

Tools that need the hub use ``hub_env`` (a real Postgres database of its own, as psn_app); the rest run on
a bare workspace with no hub at all, which is also what proves they never touch one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.server import MCPServer
from mcp.types import CallToolResult, TextContent

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.emulator import Emulator
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.platform_env import emulator_overrides

ZONE = "Europe/Madrid"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def member(hub_env: HubEnv) -> uuid.UUID:
    """Ana, living in Madrid: her member row and her settings name the same zone, as `psn init` leaves them."""
    member_id = new_member(hub_env.hub, "Ana")
    with hub_env.hub.transaction(member_id) as conn:
        conn.execute("UPDATE members SET timezone = %s WHERE id = %s", [ZONE, member_id])
    return member_id


@pytest.fixture
def settings(hub_env: HubEnv, member: uuid.UUID) -> Settings:
    """The workspace's settings as the server reads them: the test hub, Ana's member id, her zone."""
    return make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), member_id=member, timezone=ZONE
    )


@pytest.fixture
def server(settings: Settings) -> MCPServer:
    return build_server(settings)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator_settings(hub_env: HubEnv, member: uuid.UUID, emu: Emulator) -> Settings:
    """Ana's settings with every platform app registered on the emulator."""
    conninfo = hub_env.server.conninfo(hub_env.database)
    return make_settings(
        hub_env.settings.workspace, conninfo, member_id=member, timezone=ZONE, **emulator_overrides(emu)
    )


@pytest.fixture
def bare_workspace(tmp_path: Path) -> Path:
    """A workspace folder with a voices/ folder and no hub (PSN_DATABASE_URL points nowhere reachable)."""
    folder = tmp_path / "bare"
    (folder / "voices").mkdir(parents=True)
    return folder


@pytest.fixture
def bare_server(bare_workspace: Path) -> MCPServer:
    settings = Settings.load(
        bare_workspace, database_url="postgresql://nobody@127.0.0.1:9/none", app_password="unused-password"
    )
    return build_server(settings)


def structured(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a successful call."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def text_of(result: CallToolResult) -> str:
    (block,) = result.content
    assert isinstance(block, TextContent)
    return block.text


def error_of(result: CallToolResult) -> tuple[str, str]:
    """(message, action) of a tool error."""
    assert result.is_error, result
    message, _, action = text_of(result).partition("\nWhat to do: ")
    assert message and action, text_of(result)
    return message, action

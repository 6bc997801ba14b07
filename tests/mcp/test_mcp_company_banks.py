"""Ideas and series through MCP in a company hub (``company_name``) as well as the personal one: each call
lands in the hub it names, as the member known there."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from tests.mcp.conftest import error_of, structured
from tests.support.calendar_world import NOW, World, company_env, world

pytestmark = [pytest.mark.anyio, pytest.mark.pg]
__all__ = ["company_env", "world"]  # fixtures


@pytest.fixture
def server(world: World) -> MCPServer:
    return build_server(world.settings, clock=lambda: NOW)


async def test_ideas_and_series_go_to_the_hub_company_name_names(world: World, server: MCPServer) -> None:
    async with Client(server) as client:
        shared = structured(
            await client.call_tool("capture_idea", {"text": "Acme's roadmap thread", "company_name": "acme"})
        )
        own = structured(await client.call_tool("capture_idea", {"text": "My own weekend notes"}))
        in_acme = structured(await client.call_tool("list_ideas", {"company_name": "acme"}))
        mine = structured(await client.call_tool("list_ideas", {}))
        acme_series = structured(await client.call_tool("list_series", {"company_name": "acme"}))
        nowhere = await client.call_tool("list_ideas", {"company_name": "globex"})
    assert [i["id"] for i in in_acme["ideas"]] == [shared["id"]]
    assert (shared["member_id"], own["member_id"]) == (str(world.acme.editor.member_id), str(world.ana))
    assert own["id"] in [i["id"] for i in mine["ideas"]] and shared["id"] not in [i["id"] for i in mine["ideas"]]
    assert acme_series["series"] == []
    assert "globex" in error_of(nowhere)[0].lower()

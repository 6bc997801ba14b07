"""Analytics tools on a real hub: reads say how fresh they are, refresh asks the worker, hints tell the truth."""

from __future__ import annotations

import uuid

import pytest
from mcp import Client
from mcp.server import MCPServer

from psn_core.config import Settings
from tests.mcp.conftest import error_of, structured
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.anyio


async def test_annotations_say_which_tools_only_read(server: MCPServer) -> None:
    async with Client(server) as client:
        tools = {t.name: t.annotations for t in (await client.list_tools()).tools}
    for name in ("get_analytics_summary", "get_weekly_review"):
        hints = tools[name]
        assert hints is not None and hints.read_only_hint is True and hints.open_world_hint is False
    save, refresh = tools["save_weekly_review"], tools["refresh_analytics"]
    assert save is not None and save.read_only_hint is False and save.open_world_hint is False
    # the sweep it asks for reads the platforms' metrics APIs
    assert refresh is not None and refresh.read_only_hint is False and refresh.open_world_hint is True


async def test_summary_of_an_empty_hub_says_no_metrics_yet(server: MCPServer) -> None:
    async with Client(server) as client:
        result = structured(await client.call_tool("get_analytics_summary", {}))
    assert result["days"] == 30 and result["timezone"] == "Europe/Madrid"
    assert result["totals"]["posts"] == 0 and result["posts"] == [] and result["page"] == 1
    assert "no metrics yet" in result["freshness"]["as_of_local"]


async def test_refresh_asks_the_worker_and_calls_no_platform(
    server: MCPServer, hub_env: HubEnv, member: uuid.UUID
) -> None:
    async with Client(server) as client:
        answer = structured(await client.call_tool("refresh_analytics", {"all_posts": True}))
    assert "worker" in answer["message"]
    with hub_env.hub.transaction(member) as conn:
        row = conn.execute("SELECT force FROM analytics_requests WHERE member_id = %s", [member]).fetchone()
    assert row is not None and row["force"] is True


async def test_weekly_review_reads_and_save_writes_the_files(server: MCPServer, settings: Settings) -> None:
    async with Client(server) as client:
        read = structured(await client.call_tool("get_weekly_review", {"week": "2026-W09"}))
        assert not (settings.workspace / "reports").exists()  # reading saved nothing
        saved = structured(await client.call_tool("save_weekly_review", {"week": "2026-W09"}))
        bad = await client.call_tool("get_weekly_review", {"week": "week nine"})
    assert read["review"]["week"] == "2026-W09" and "## What worked" in read["markdown"]
    assert saved["markdown"].endswith("reports/review-2026-W09.md") and saved["chart"].endswith(".png")
    assert (settings.workspace / "reports" / "review-2026-W09.png").stat().st_size > 1000
    message, action = error_of(bad)
    assert "not an ISO week" in message and "YYYY-Www" in action

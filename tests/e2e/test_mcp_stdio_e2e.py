"""The whole posting flow through the real MCP protocol: a stdio server process, a worker process and
the emulator. Draft context -> check -> save -> preview -> confirm -> the worker publishes."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from psn_core.config import Settings
from tests.e2e.conftest import Workers
from tests.mcp.conftest import structured
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.pg, pytest.mark.slow, pytest.mark.anyio]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_draft_check_schedule_and_publish_over_stdio(
    hub_env: HubEnv, settings: Settings, workers: Workers
) -> None:
    assert settings.member_id is not None
    for platform in ("x", "linkedin"):
        connect_account(hub_env.hub, settings, settings.member_id, platform)
    workers.start(threads=2)
    text = "Fresh rye at 7, sourdough at 8. The oven's been on since 4."
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "mcp_server.server", "--workspace", str(settings.workspace)], cwd=REPO
    )
    async with Client(server) as client:
        context = structured(await client.call_tool("get_draft_context", {"platform": "x", "language": "en"}))
        check = structured(
            await client.call_tool("check_draft", {"text": text, "platforms": ["x", "linkedin"], "language": "en"})
        )
        draft = structured(
            await client.call_tool(
                "save_draft",
                {
                    "idea": "bakery",
                    "targets": [{"account": "x", "parts": [text]}, {"account": "linkedin", "parts": [text]}],
                },
            )
        )
        preview = structured(await client.call_tool("publish_now", {"post_id": draft["id"]}))["preview"]
        done = structured(
            await client.call_tool(
                "publish_now", {"post_id": draft["id"], "confirmation_token": preview["confirmation_token"]}
            )
        )["scheduled"]
        statuses: set[str] = set()
        with anyio.fail_after(60):
            while statuses != {"published"}:
                await anyio.sleep(0.5)
                targets = [
                    structured(await client.call_tool("explain_target", {"target_id": t["id"]}))["target"]
                    for t in done["post"]["targets"]
                ]
                statuses = {t["status"] for t in targets}
        queue = structured(await client.call_tool("list_queue", {}))
    assert context and check["ok"] is True
    assert all(p["posting_as"].startswith("Posting as: ") for p in preview["targets"])
    assert all(len(t["remote_ids"]) == 1 for t in targets)
    assert queue["targets"] == []

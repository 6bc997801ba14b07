"""The real server process: over stdio through the SDK's client, over streamable HTTP, and driven by the
MCP Inspector CLI (npm) the way a client other than ours sees it.

The Inspector tests need node and ./node_modules (`npm ci`). Without them they skip on a laptop; under
CI=true they fail, since CI installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from psn_core.config import Settings
from psn_core.workspace import set_env_values
from tests.mcp.conftest import ZONE, error_of, structured, text_of
from tests.support.platform_env import free_port

REPO = Path(__file__).resolve().parents[2]
INSPECTOR = REPO / "node_modules" / ".bin" / "inspector"
SERVER = [sys.executable, "-m", "mcp_server.server"]
EXPECTED_TOOLS = 69  # 17 + 4 analytics + 10 posting + 5 company + get_calendar, init_workspace, remove_account
# + 3 strategy (get_strategy, init_strategy, update_strategy) + 3 ideas (capture_idea, list_ideas, update_idea_state)
# + import_voice_samples
# + 2 trends (list_trends, trend_to_idea)
# + 2 calendar slots (claim_slot, release_slot)
# + 5 plan (plan_week, get_plan, rate_ideas, propose_ideas, what_to_post)
# + 6 series (create_series, list_series, get_series, update_series, series_due, detect_series)
# + 3 learning (get_preferences, refresh_preferences, decide_strategy_proposal)
# + 5 engage (list_opportunities, triage_opportunities, engagement_status, send_reply, capture_engagement_idea)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def workspace(settings: Settings) -> Path:
    """The test hub's workspace with a real hub.env, as `psn init` leaves one."""
    assert settings.database_url is not None and settings.app_password is not None
    set_env_values(
        settings.workspace / "hub.env",
        {
            "PSN_DATABASE_URL": settings.database_url.get_secret_value(),
            "PSN_APP_PASSWORD": settings.app_password.get_secret_value(),
            "PSN_MEMBER_ID": str(settings.member_id),
            "PSN_TIMEZONE": settings.timezone,
        },
    )
    return settings.workspace


def _stdio(*args: str, cwd: Path = REPO) -> StdioServerParameters:
    return StdioServerParameters(command=SERVER[0], args=[*SERVER[1:], *args], cwd=cwd)


@pytest.mark.pg
@pytest.mark.anyio
async def test_stdio_server_lists_tools_and_answers_from_the_hub(workspace: Path, member: uuid.UUID) -> None:
    async with Client(_stdio("--workspace", str(workspace))) as client:
        tools = (await client.list_tools()).tools
        status = structured(await client.call_tool("get_auth_status", {}))
        check = structured(
            await client.call_tool("check_draft", {"text": "Fresh rye at 7.", "platforms": ["x"], "language": "en"})
        )
    assert len(tools) == EXPECTED_TOOLS and all(t.annotations is not None for t in tools)
    assert status == {"timezone": ZONE, "accounts": []}
    assert check["ok"] is True


@pytest.mark.anyio
async def test_stdio_server_outside_any_workspace_explains_itself(tmp_path: Path) -> None:
    async with Client(_stdio(cwd=tmp_path)) as client:
        assert len((await client.list_tools()).tools) == EXPECTED_TOOLS
        message, action = error_of(await client.call_tool("show_config", {}))
    assert "No psn workspace" in message and "psn init" in action


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / ".psn").mkdir()
    port = free_port()
    process = subprocess.Popen(
        [*SERVER, "--transport", "http", "--port", str(port), "--workspace", str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # wait for the listening socket, not for a fixed time
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode() if process.stderr else "no output") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.anyio
async def test_streamable_http_transport_serves_the_same_tools(http_server: str) -> None:
    async with Client(http_server) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("show_config", {})
    assert len(tools) == EXPECTED_TOOLS
    assert "PSN_TIMEZONE" in text_of(result)


# --- MCP Inspector CLI -------------------------------------------------------------------------------


def _require_inspector() -> None:
    missing = shutil.which("node") is None or not INSPECTOR.exists()
    if not missing:
        return
    reason = "the MCP Inspector CLI is not installed: run `npm ci` in the repository"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the Inspector tests: {reason}")
    pytest.skip(reason)


def _inspect(tmp_path: Path, workspace: Path, *method: str) -> subprocess.CompletedProcess[str]:
    _require_inspector()
    env = {**os.environ, "MCP_CATALOG_PATH": str(tmp_path / "inspector-catalog.json")}
    return subprocess.run(
        [str(INSPECTOR), "--cli", *SERVER, "--workspace", str(workspace), *method],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_inspector_lists_every_tool_with_annotations_and_portable_schemas(tmp_path: Path) -> None:
    (tmp_path / ".psn").mkdir()
    done = _inspect(tmp_path, tmp_path, "--method", "tools/list", "--strict")
    assert done.returncode == 0, done.stderr
    tools = {t["name"]: t for t in json.loads(done.stdout)["tools"]}
    assert len(tools) == EXPECTED_TOOLS
    assert tools["check_draft"]["annotations"]["readOnlyHint"] is True
    assert tools["finish_connect"]["annotations"]["openWorldHint"] is True
    assert all("outputSchema" in t for t in tools.values())


@pytest.mark.pg
def test_inspector_calls_a_read_only_tool_on_the_hub(tmp_path: Path, workspace: Path, member: uuid.UUID) -> None:
    done = _inspect(tmp_path, workspace, "--method", "tools/call", "--tool-name", "get_auth_status")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result.get("isError") is not True
    assert result["structuredContent"] == {"timezone": ZONE, "accounts": []}


def test_inspector_sees_a_psn_error_as_a_tool_error_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / ".psn").mkdir()
    done = _inspect(
        tmp_path, tmp_path, "--method", "tools/call", "--tool-name", "check_draft",
        "--tool-arg", "text=Hi", 'platforms=["x"]', "language=en", "persona=../etc",
    )  # fmt: skip
    assert done.returncode == 5 and "tool_is_error" in done.stderr  # the Inspector's code for isError
    result = json.loads(done.stdout)
    assert result["isError"] is True and result["_meta"]["psn/error"]["error"] == "VoiceInputInvalid"
    message, _, action = result["content"][0]["text"].partition("\nWhat to do: ")
    assert "is not a voice persona" in message and "brand_ambassador" in action

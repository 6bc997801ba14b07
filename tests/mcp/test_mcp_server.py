"""The server as a whole: every tool listed with schemas and truthful annotations, errors as the model
reads them, and how the entry point finds the workspace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.errors import ERROR_META_KEY, error_text, psn_tool
from mcp_server.server import build_server, load_settings
from psn_core.errors import RateLimited, WorkspaceNotFound
from psn_core.masking import registry
from tests.mcp.conftest import error_of, text_of

pytestmark = pytest.mark.anyio

READ_ONLY = {
    "get_draft_context",
    "check_draft",
    "get_voice_profile",
    "list_voice_suggestions",
    "get_voice_report",
    "get_auth_status",
    "list_notifications",
    "show_config",
    "run_doctor",
    "get_analytics_summary",
    "get_weekly_review",
    "list_drafts",
    "list_queue",
    "list_failures",
    "explain_target",
    "list_companies",
    "get_calendar",
    "get_strategy",
    "list_ideas",
    "list_trends",
    "get_plan",
    "what_to_post",
    "list_series",
    "get_series",
    "series_due",
    "detect_series",
    "get_preferences",
    "list_opportunities",
    "engagement_status",
}
WRITES = {
    # name: (destructive, idempotent, open world)
    "init_voice_profile": (True, False, False),
    "accept_voice_suggestion": (True, True, False),
    "dismiss_voice_suggestion": (False, True, False),
    "start_connect": (False, False, False),
    "finish_connect": (False, False, True),
    "ack_notifications": (False, True, False),
    "save_weekly_review": (True, True, False),
    "refresh_analytics": (False, True, True),  # the worker's sweep asks the platforms
    "save_draft": (False, False, False),
    "schedule_post": (False, True, True),
    "publish_now": (False, True, True),
    "reschedule_post": (False, True, True),  # queues a publish
    "cancel_post": (True, True, False),
    "retry_target": (False, False, True),
    "update_voice_profile": (True, True, False),
    "add_anti_pattern": (False, True, False),
    "list_pending_approvals": (False, True, False),  # expires overdue posts before listing
    "approve_post": (False, False, True),  # queues a publish
    "post_for_company": (False, False, True),
    "reject_post": (True, False, False),
    "init_workspace": (False, True, False),
    "remove_account": (True, True, False),
    "init_strategy": (True, False, False),  # replace=true overwrites strategy.yaml
    "update_strategy": (True, True, False),
    "capture_idea": (False, False, False),
    "update_idea_state": (True, False, False),  # kill ends an idea
    "import_voice_samples": (False, True, True),  # a web page or X posts: reads outside the hub
    "trend_to_idea": (False, True, False),  # again for the same trend: the same idea
    "claim_slot": (False, True, False),  # claiming a slot one holds returns it as is
    "release_slot": (True, False, False),
    "plan_week": (False, False, False),  # slots already drafted stay
    "rate_ideas": (True, False, False),  # kill ends an idea
    "propose_ideas": (False, False, False),
    "create_series": (False, False, False),
    "update_series": (True, False, False),  # retire ends a series
    "refresh_preferences": (True, True, False),  # replaces the stored model
    "decide_strategy_proposal": (True, False, False),  # approve writes strategy.yaml
    "triage_opportunities": (False, True, False),
    "send_reply": (False, True, True),  # queues the reply the worker posts
    "capture_engagement_idea": (False, False, False),
}


async def test_every_tool_is_listed_with_input_and_output_schemas(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == READ_ONLY | set(WRITES)
    for tool in tools:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", tool.name), tool.name
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", tool.name


async def test_annotations_say_which_tools_change_something(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    for name in READ_ONLY:
        hints = tools[name].annotations
        assert hints is not None and hints.title
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (True, False, True), name
        assert hints.open_world_hint is False, name
    for name, (destructive, idempotent, open_world) in WRITES.items():
        hints = tools[name].annotations
        assert hints is not None and hints.title
        assert hints.read_only_hint is False, name
        assert (hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
            destructive,
            idempotent,
            open_world,
        ), name


async def test_a_server_without_workspace_still_starts_and_every_tool_says_what_to_do() -> None:
    server = build_server(None, problem=WorkspaceNotFound("No psn workspace in /tmp/nowhere or any folder above it."))
    async with Client(server) as client:
        assert len((await client.list_tools()).tools) == len(READ_ONLY | set(WRITES))
        result = await client.call_tool("show_config", {})
    message, action = error_of(result)
    assert message == "No psn workspace in /tmp/nowhere or any folder above it."
    assert action == WorkspaceNotFound.default_action
    assert result.meta is not None and result.meta[ERROR_META_KEY] == {"error": "WorkspaceNotFound", "retryable": False}


async def test_psn_errors_carry_message_action_and_retryable_with_secrets_masked() -> None:
    registry.add("sk-live-1234567890abcdef")
    server = MCPServer("t")

    @server.tool()
    @psn_tool
    def slow_down() -> str:
        """Fails the way a platform does."""
        raise RateLimited("X said no to token sk-live-1234567890abcdef.", "Wait until 14:05.", retry_after=60)

    async with Client(server) as client:
        result = await client.call_tool("slow_down", {})
    message, action = error_of(result)
    assert "sk-live-1234567890abcdef" not in message and message.endswith("••••cdef.")
    assert action == "Wait until 14:05."
    assert result.meta is not None and result.meta[ERROR_META_KEY] == {"error": "RateLimited", "retryable": True}


async def test_an_unexpected_exception_reaches_the_model_without_its_details() -> None:
    server = MCPServer("t")

    @server.tool()
    @psn_tool
    def crash() -> str:
        """A bug."""
        raise RuntimeError("internal detail password=hunter22")

    async with Client(server) as client:
        result = await client.call_tool("crash", {})
    assert result.is_error and text_of(result) == "Error executing tool crash"


def test_error_text_is_the_message_then_what_to_do() -> None:
    assert (
        error_text(WorkspaceNotFound("Nothing here.", "Run `psn init`."))
        == "Nothing here.\nWhat to do: Run `psn init`."
    )


def test_workspace_comes_from_the_flag_then_psn_workspace_then_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag, env, here = (tmp_path / name for name in ("flag", "env", "here"))
    for folder in (flag, env, here):
        (folder / ".psn").mkdir(parents=True)
    (here / "sub").mkdir()
    monkeypatch.chdir(here / "sub")

    assert load_settings(flag, str(env))[0].workspace == flag.resolve()  # type: ignore[union-attr]
    assert load_settings(None, str(env))[0].workspace == env.resolve()  # type: ignore[union-attr]
    assert load_settings(None, None)[0].workspace == here.resolve()  # type: ignore[union-attr]


def test_no_workspace_is_a_problem_to_report_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings, problem = load_settings(None, None)
    assert settings is None and isinstance(problem, WorkspaceNotFound)

"""`/psn:auth` in the real Claude Code against the emulator: the status of connected accounts, and
connecting X the way the command tells the model to (start_connect, the user approves in the browser
and pastes the address it lands on, finish_connect with exactly that address)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from psn_core.config import Settings
from psn_core.hub.database import Hub
from psn_core.services.accounts.accounts import list_accounts
from tests.support.claude_code import run_claude, text, tool_use, user_signs_in
from tests.support.platform_env import connect_account


def test_auth_status_lists_the_connected_accounts(
    workspace: Path, hub: Hub, settings: Settings, member: uuid.UUID
) -> None:
    linkedin = connect_account(hub, settings, member, "linkedin")
    run = run_claude(
        workspace,
        "/psn:auth status",
        steps=[[tool_use("get_auth_status")], [text(f"LinkedIn: @{linkedin.handle}, active.")]],
    )
    run.assert_command("auth", "status")
    assert run.permission_denials == []
    ((name, is_error, status),) = run.tool_results
    assert (name, is_error) == ("get_auth_status", False)
    assert status["timezone"] == "Europe/Madrid"
    assert [(a["platform"], a["handle"], a["status"]) for a in status["accounts"]] == [
        ("linkedin", linkedin.handle, "active")
    ]


def test_auth_connects_x_through_the_emulators_sign_in(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    pasted: list[str] = []

    run = run_claude(
        workspace,
        "/psn:auth x",
        steps=[
            [text("Open this link to sign in."), tool_use("start_connect", platform="x")],
            user_signs_in(pasted, "Paste received."),
            lambda convo: [text(f"Connected X as @{convo.tool_result('finish_connect')['handle']}.")],
        ],
    )
    run.assert_command("auth", "x")
    assert run.permission_denials == []
    (start, finish) = run.tool_results
    assert start.tool_name == "start_connect" and not start.is_error
    assert start.content["sign_in"]["url"].startswith("http://127.0.0.1:")
    assert pasted[0].startswith(start.content["sign_in"]["redirect_uri"] + "?")
    assert finish.tool_name == "finish_connect" and not finish.is_error, finish
    assert (finish.content["platform"], finish.content["status"]) == ("x", "active")
    with hub.transaction(member) as conn:
        accounts = list_accounts(conn, member)
    assert [(a.platform, a.handle, a.status) for a in accounts] == [("x", finish.content["handle"], "active")]
    assert run.result_text == f"Connected X as @{finish.content['handle']}."


def test_auth_remove_is_the_users_call(workspace: Path, hub: Hub, settings: Settings, member: uuid.UUID) -> None:
    """`/psn:auth remove x`: the command does not pre-approve remove_account, so in dontAsk mode the model's
    call is denied and the account stays; only with the user's permission is it removed."""
    account = connect_account(hub, settings, member, "x")
    steps: list[Any] = [
        [text(f"Removing X @{account.handle}."), tool_use("remove_account", platform="x")],
        [text("Done.")],
    ]

    def statuses() -> list[tuple[str, str]]:
        with hub.transaction(member) as conn:
            return [(a.platform, a.status) for a in list_accounts(conn, member)]

    denied = run_claude(workspace, "/psn:auth remove x", steps=steps, permission_mode="dontAsk")
    denied.assert_command("auth", "remove x")
    assert [d["tool_name"] for d in denied.permission_denials] == ["mcp__plugin_psn_psn__remove_account"]
    assert statuses() == [("x", "active")]

    allowed = run_claude(
        workspace,
        "/psn:auth remove x",
        steps=steps,
        permission_mode="dontAsk",
        allowed_tools=["mcp__plugin_psn_psn__remove_account"],
    )
    assert allowed.permission_denials == []
    ((name, is_error, removed),) = allowed.tool_results
    assert (name, is_error, removed["handle"], removed["tokens_deleted"]) == (
        "remove_account",
        False,
        account.handle,
        True,
    )
    assert statuses() == [("x", "disconnected")]

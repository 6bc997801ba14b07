"""`/psn:draft` then `/psn:post` in the real Claude Code, and the human gate there.

The journey: context, check, the draft shown, the user's edit, save with the AI draft (the edit is recorded
for voice learning), psn's own question answered by the user (an Elicitation hook plays them), scheduled,
then published by a real `psn worker` process against the emulator: exactly once.

The gate: the write tools are not pre-approved by any command, so headless in ``dontAsk`` mode the model's
call is denied (listed in permission_denials) and nothing reaches the hub; allowed by the user's own
``--allowedTools`` it runs, and psn then asks the user: a no, or no answer, schedules nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.hub.database import Hub
from psn_core.timefmt import utcnow
from psn_core.voice.formats import format_names
from tests.e2e.conftest import Workers, wait_for
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import Conversation, full_tool_name
from tests.support.platform_env import connect_account

AI_DRAFT = "In today's fast-paced world, we are thrilled to announce that we shipped the new importer."
FINAL = "We shipped the new importer. Took three tries and one very long Tuesday."
USER_ALLOWS = [full_tool_name("schedule_post"), full_tool_name("publish_now")]


YES = [{"action": "accept", "content": {"confirm": True}}]  # the user's answer to psn's question
NO = [{"action": "decline"}]


@pytest.fixture
def x_account(hub: Hub, settings: Settings, member: uuid.UUID) -> str:
    return connect_account(hub, settings, member, "x").handle


def targets(hub: Hub) -> list[dict[str, Any]]:
    with hub.owner() as conn:
        return list(conn.execute("SELECT status, due_at FROM post_targets ORDER BY created_at").fetchall())


def queued(hub: Hub) -> int:
    with hub.owner() as conn:
        row = conn.execute("SELECT (SELECT count(*) FROM huey_task) + (SELECT count(*) FROM huey_schedule) AS n")
        found = row.fetchone()
        return int(found["n"]) if found else -1


def test_draft_then_post_publishes_the_users_edit_once_and_learns_from_it(
    workspace: Path, hub: Hub, member: uuid.UUID, x_account: str, emu: Emulator, workers: Workers
) -> None:
    drafted = run_claude(
        workspace,
        "/psn:draft shipping the new importer for x",
        steps=[
            [tool_use("get_draft_context", platform="x", language="en")],
            [tool_use("check_draft", text=AI_DRAFT, platforms=["x"], language="en")],
            [text(f"Here is a draft for X:\n\n{AI_DRAFT}\n\nEdit it or approve it.")],
        ],
    )
    drafted.assert_command("draft", "shipping the new importer for x")
    assert drafted.permission_denials == []
    assert drafted.tool_result("check_draft")["ok"] is True

    arguments = f'now on x, with my edit: "{FINAL}"'

    def save(convo: Conversation) -> list[Any]:
        assert convo.tool_result("check_draft")["ok"] is True
        fmt = convo.tool_result("get_draft_context")["recommended_format"]  # the format the draft was written in
        draft = {"account": "x", "parts": [FINAL], "ai_draft": AI_DRAFT, "format": fmt}
        return [tool_use("save_draft", targets=[draft], idea="importer", language="en")]

    posted = run_claude(
        workspace,
        f"/psn:post {arguments}",
        steps=[
            [tool_use("get_auth_status")],
            [tool_use("get_draft_context", platform="x", language="en")],
            [tool_use("check_draft", text=FINAL, platforms=["x"], language="en")],
            save,
            lambda convo: [tool_use("publish_now", post_id=convo.tool_result("save_draft")["id"])],
            lambda convo: [text(f"Done: {convo.tool_result('publish_now')['step']}.")],
        ],
        allowed_tools=USER_ALLOWS,  # the user allowed the call when Claude Code asked
        user_answers=YES,
    )
    posted.assert_command("post", arguments)
    assert posted.permission_denials == []
    names = [r.tool_name for r in posted.tool_results]
    assert names == ["get_auth_status", "get_draft_context", "check_draft", "save_draft", "publish_now"]
    recommended = posted.tool_result("get_draft_context")["recommended_format"]
    assert recommended in format_names()
    match = posted.tool_result("check_draft")["voice_match"]  # beside naturalness; no samples imported yet
    assert match["report"] is None and "psn voice import" in match["note"]
    assert not any(r.is_error for r in posted.tool_results), posted.tool_results
    assert posted.tool_result("publish_now")["step"] == "scheduled"
    (question,) = posted.elicitations
    assert question["mcp_server_name"] == "plugin:psn:psn" and question["mode"] == "form"
    assert f"Posting as: Ana for your personal hub on X (@{x_account})" in str(question["message"])
    assert f"part 1: {FINAL}" in str(question["message"])

    with hub.transaction(member) as conn:
        edits = conn.execute("SELECT platform, format, draft_text, final_text FROM draft_edits").fetchall()
    assert edits == [{"platform": "x", "format": recommended, "draft_text": AI_DRAFT, "final_text": FINAL}]

    workers.start(2)
    tweets = emu.platform("x").tweets  # type: ignore[attr-defined]
    assert wait_for(lambda: any(t["status"] == "published" for t in targets(hub)), timeout=60), workers.log.read_text()
    workers.stop_all()  # nothing left running that could publish it again
    assert [t.text for t in tweets.values()] == [FINAL]


@pytest.mark.parametrize("path", ["schedule_post", "publish_now"])
def test_a_write_tool_is_denied_in_dont_ask_mode_unless_the_user_allows_it(
    path: str, workspace: Path, hub: Hub, x_account: str
) -> None:
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d 09:00")  # from the test's clock, zone aside
    args = {"when": tomorrow} if path == "schedule_post" else {}

    def steps() -> list[Any]:
        return [
            [tool_use("save_draft", targets=[{"account": "x", "parts": [FINAL]}])],
            lambda convo: [tool_use(path, post_id=convo.tool_result("save_draft")["id"], **args)],
            [text("Stopped.")],
        ]

    denied = run_claude(workspace, "/psn:post on x", steps=steps(), permission_mode="dontAsk")
    assert [d["tool_name"] for d in denied.permission_denials] == [full_tool_name(path)]
    assert denied.results_of(path)[0].is_error
    assert {t["status"] for t in targets(hub)} == {"draft"} and queued(hub) == 0

    declined = run_claude(workspace, "/psn:post on x", steps=steps(), allowed_tools=USER_ALLOWS, user_answers=NO)
    assert declined.permission_denials == []
    assert declined.tool_result(path)["step"] == "declined"
    assert "The user declined" in declined.tool_result(path)["note"]
    assert len(declined.elicitations) == 1
    assert {t["status"] for t in targets(hub)} == {"draft"} and queued(hub) == 0

    unanswered = run_claude(workspace, "/psn:post on x", steps=steps(), allowed_tools=USER_ALLOWS)
    assert unanswered.tool_result(path)["step"] == "declined"
    assert "did not answer" in unanswered.tool_result(path)["note"]
    assert {t["status"] for t in targets(hub)} == {"draft"} and queued(hub) == 0

    allowed = run_claude(workspace, "/psn:post on x", steps=steps(), allowed_tools=USER_ALLOWS, user_answers=YES)
    assert allowed.permission_denials == []
    assert allowed.tool_result(path)["step"] == "scheduled"
    assert sorted(t["status"] for t in targets(hub)) == ["draft", "draft", "draft", "scheduled"]

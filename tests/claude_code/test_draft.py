"""`/psn:draft` in the real Claude Code: the drafting context, a check of the draft, the draft shown to
the user for review. Nothing is saved or scheduled from here."""

from __future__ import annotations

import uuid
from pathlib import Path

from psn_core.hub.database import Hub
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import Block, Conversation

DRAFT = "Fresh rye at 7, sourdough at 8. The oven's been on since 4."


def show_for_review(convo: Conversation) -> list[Block]:
    length = convo.tool_result("check_draft")["targets"][0]["length"]["length"]
    return [text(f"{DRAFT}\n\n{length} of 280 characters. Edit or approve?")]


def test_draft_gets_context_checks_and_shows_the_draft(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    run = run_claude(
        workspace,
        "/psn:draft morning bake for x in en",
        steps=[
            [tool_use("get_draft_context", platform="x", language="en", persona="personal")],
            [tool_use("check_draft", text=DRAFT, platforms=["x"], language="en", persona="personal")],
            show_for_review,
        ],
    )
    run.assert_command("draft", "morning bake for x in en")
    assert run.permission_denials == []
    (context, check) = run.tool_results
    assert context.tool_name == "get_draft_context" and not context.is_error, context
    assert (context.content["platform"], context.content["max_length"]) == ("x", 280), context
    assert context.content["profile_found"] is False and context.content["notes"], context  # no profile yet
    assert check.tool_name == "check_draft" and not check.is_error and check.content["ok"] is True, check
    assert check.content["targets"][0]["length"]["length"] == len(DRAFT)
    assert run.result_text.startswith(DRAFT)
    with hub.transaction(member) as conn:
        saved = conn.execute("SELECT count(*) AS n FROM posts").fetchone()
    assert saved is not None and saved["n"] == 0

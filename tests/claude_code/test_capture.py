"""`/psn:capture` in the real Claude Code: an idea captured in one step with its tags (pre-approved), listed,
and a kill that is not pre-approved (denied headless until the user allows it, then done)."""

from __future__ import annotations

import uuid
from pathlib import Path

from psn_core.hub.database import Hub
from psn_core.services.ideas import bank
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import PLUGIN_TOOL_PREFIX

IDEA = "Breaking: our rye sourdough is back on Friday #pillar:bakery #platform:x"


def test_capture_then_list_then_kill_with_the_users_permission(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    captured = run_claude(
        workspace,
        f"/psn:capture {IDEA}",
        steps=[[tool_use("capture_idea", text=IDEA)], [text("Captured.")]],
    )
    captured.assert_command("capture", IDEA)
    assert captured.permission_denials == []
    idea = captured.tool_result("capture_idea")
    assert (idea["text"], idea["pillar"], idea["platform"]) == (
        "Breaking: our rye sourdough is back on Friday",
        "bakery",
        "x",
    )
    assert (idea["state"], idea["urgency"], idea["urgency_inferred"]) == ("spark", "timely", True)

    listed = run_claude(workspace, "/psn:capture list", steps=[[tool_use("list_ideas")], [text("One idea.")]])
    assert listed.permission_denials == []
    assert [i["id"] for i in listed.tool_result("list_ideas")["ideas"]] == [idea["id"]]

    kill = tool_use("update_idea_state", idea_id=idea["id"], action="kill", reason="sold out")
    denied = run_claude(workspace, "/psn:capture kill it", steps=[[kill], [text("You said no.")]])
    assert [d["tool_name"] for d in denied.permission_denials] == [f"{PLUGIN_TOOL_PREFIX}update_idea_state"]
    with hub.transaction(member) as conn:
        assert bank.get_idea(conn, idea["id"]).state == "spark"

    allowed = run_claude(
        workspace,
        "/psn:capture kill it",
        steps=[[kill], [text("Killed.")]],
        allowed_tools=[f"{PLUGIN_TOOL_PREFIX}update_idea_state"],
    )
    assert allowed.permission_denials == []
    assert allowed.tool_result("update_idea_state")["kill_reason"] == "sold out"
    with hub.transaction(member) as conn:
        assert bank.get_idea(conn, idea["id"]).state == "killed"

"""`/psn:plan` in the real Claude Code: next week planned (the MCP server reads the real clock, so the week
is the one after the test's own now), ideas proposed for the open slots and stored as sparks, a rating
that is not pre-approved (denied headless until the user allows it), then the plan made again with the
loved idea in a slot and the killed one nowhere."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from psn_core.hub.database import Hub
from psn_core.services.ideas import bank
from psn_core.timefmt import utcnow
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import Conversation, full_tool_name
from tests.support.plan_world import next_week, ready_idea

STRATEGY = """\
version: 1
pillars:
  - name: bakery
    weight: 2
  - name: business
    weight: 1
frequency:
  x: 3
times:
  x:
    - days: weekdays
      at: ["09:00"]
languages:
  en: 1
"""


def test_plan_proposes_for_open_slots_then_rates_with_the_users_permission(
    workspace: Path, hub: Hub, member: uuid.UUID
) -> None:
    (workspace / "strategy.yaml").write_text(STRATEGY, "utf-8")
    week = next_week(utcnow()).isoformat()
    with hub.transaction(member) as conn:
        mine = ready_idea(conn, member, "How we proof dough overnight #pillar:bakery", utcnow())

    def propose(convo: Conversation) -> list[Any]:
        needs = convo.tool_result("plan_week")["need_ideas"]
        ideas = [{"text": f"A {n['pillar']} idea for the plan", "pillar": n["pillar"]} for n in needs]
        return [tool_use("propose_ideas", ideas=ideas)]

    planned = run_claude(
        workspace,
        "/psn:plan next week",
        steps=[[tool_use("plan_week", week=week)], propose, [text("Here is the plan; rate the ideas.")]],
    )
    planned.assert_command("plan", "next week")
    assert planned.permission_denials == []
    plan = planned.tool_result("plan_week")
    assert [s["kind"] for s in plan["slots"]].count("idea") == 1 and len(plan["slots"]) == 3
    assert next(s for s in plan["slots"] if s["kind"] == "idea")["idea_id"] == str(mine.id)
    assert sorted(n["pillar"] for n in plan["need_ideas"]) == ["bakery", "business"]
    loved, killed = (i["id"] for i in planned.tool_result("propose_ideas")["ideas"])

    rate = tool_use(
        "rate_ideas",
        ratings=[
            {"idea_id": loved, "rating": "love"},
            {"idea_id": killed, "rating": "kill", "reason": "not for this audience"},
        ],
    )
    denied = run_claude(workspace, "/psn:plan rate", steps=[[rate], [text("You said no.")]])
    assert [d["tool_name"] for d in denied.permission_denials] == [full_tool_name("rate_ideas")]
    with hub.transaction(member) as conn:
        assert {bank.get_idea(conn, i).state for i in (loved, killed)} == {"spark"}

    allowed = run_claude(
        workspace,
        "/psn:plan rate",
        steps=[[rate], [tool_use("plan_week", week=week)], [text("Plan updated.")]],
        allowed_tools=[full_tool_name("rate_ideas")],
    )
    assert allowed.permission_denials == []
    assert [r["state"] for r in allowed.tool_result("rate_ideas")["rated"]] == ["ready", "killed"]
    again = allowed.tool_result("plan_week")
    ideas = {s["idea_id"] for s in again["slots"]}
    assert {loved, str(mine.id)} <= ideas and killed not in ideas
    assert again["id"] == plan["id"] and len(again["slots"]) == 3

"""`/psn:plan` in the real Claude Code: next week planned (the MCP server reads the real clock, so the week
is the one after the test's own now), ideas proposed for the open slots and stored as sparks, a rating
that is not pre-approved (denied headless until the user allows it), then the plan made again with the
loved idea in a slot and the killed one nowhere. The week's best trend is offered with the plan, not
planned; the one the user picks becomes an idea spark through trend_to_idea (pre-approved like capturing
an idea), which the plan made again puts in a slot."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from psn_core.hub import sql
from psn_core.hub.database import Hub
from psn_core.services.ideas import bank
from psn_core.services.trends import store as trends
from psn_core.timefmt import utcnow
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import Conversation, full_tool_name
from tests.support.plan_world import STRATEGY_YAML as STRATEGY
from tests.support.plan_world import next_week, ready_idea


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


TREND = "Rye flour prices double before the harvest"


def test_plan_offers_the_weeks_best_trend_and_captures_the_chosen_one_as_a_spark(
    workspace: Path, hub: Hub, member: uuid.UUID
) -> None:
    (workspace / "strategy.yaml").write_text(STRATEGY, "utf-8")
    week = next_week(utcnow()).isoformat()
    seen = utcnow() - timedelta(hours=1)  # the MCP server reads the real clock: a trend it sees as live
    with hub.transaction(member) as conn:
        trend = {"url": "https://news.example/rye", "title": TREND, "summary": "", "source": "hacker_news"}
        params = {**trend, "member_id": member, "kind": "hacker_news", "signal": 120.0, "score": 0.8}
        sql.run(
            conn,
            trends.Q.upsert_trend,
            {**params, "pillar": "business", "matched": ["rye"], "published_at": seen, "now": seen},
        )

    def capture(convo: Conversation) -> list[Any]:
        offered = convo.tool_result("plan_week")["trends"]
        return [tool_use("trend_to_idea", trend_id=offered[0]["id"])]

    run = run_claude(
        workspace,
        "/psn:plan next week",
        steps=[
            [tool_use("plan_week", week=week)],
            capture,
            [tool_use("plan_week", week=week)],
            [text("The trend is an idea now: rate it.")],
        ],
    )
    run.assert_command("plan", "next week")
    assert run.permission_denials == []  # capturing the trend the user picked is like capturing an idea
    plans = [r.content for r in run.tool_results if r.tool_name == "plan_week" and not r.is_error]
    assert len(plans) == 2, run.tool_results
    offered = plans[0]
    assert [t["title"] for t in offered["trends"]] == [TREND]
    assert all(s["kind"] == "open" for s in offered["slots"]) and TREND not in {s["topic"] for s in offered["slots"]}
    assert any("offered, not planned" in n for n in offered["notes"])
    idea = run.tool_result("trend_to_idea")["idea"]
    assert (idea["state"], idea["source"], idea["pillar"]) == ("spark", "trend", "business")
    with hub.transaction(member) as conn:
        assert bank.get_idea(conn, idea["id"][:8]).text.startswith(TREND)
    again = plans[1]
    assert again["trends"] == [] and idea["id"] in {s["idea_id"] for s in again["slots"]}, again

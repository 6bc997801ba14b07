"""`/psn:post` starting from "what should I post?" in the real Claude Code: what_to_post (pre-approved)
answers with the due series episode first, then the ready idea, which next week's plan holds in a slot;
the user picks the idea and the reviewed draft is saved with its idea_id and plan_slot_id, so the idea is
developed and the plan's slot drafted, linked to the post. The MCP server reads the real clock: the series
and the plan are made from the test's own now."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from psn_core.config import Settings
from psn_core.hub.database import Hub
from psn_core.services.ideas import bank
from psn_core.services.plan import store
from psn_core.timefmt import utcnow
from tests.claude_code.conftest import ZONE
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import Conversation
from tests.support.plan_world import next_week, ready_idea, strategy
from tests.support.platform_env import connect_account
from tests.support.series_world import make_series

FINAL = "Overnight proofing: the slowest step makes the best bread."


def test_post_starts_from_what_should_i_post_and_fills_the_plans_slot(
    workspace: Path, hub: Hub, member: uuid.UUID, settings: Settings
) -> None:
    connect_account(hub, settings, member, "x")
    now = utcnow()
    today = now.astimezone(ZoneInfo(ZONE)).date()
    plan_strategy = strategy(frequency={"x": 3}, times={"x": [{"days": "daily", "at": "09:00"}]}, languages={"en": 1})
    with hub.transaction(member) as conn:
        series = make_series(conn, member, now, name="Bread of the week", starts_on=today, at=time(10), zone=ZONE)
        idea = ready_idea(conn, member, "Overnight proofing #pillar:ai #platform:x", now)
        plan = store.build_plan(conn, member, plan_strategy, ZONE, now, week=next_week(now))
    slot = next(s for s in plan.slots if s.idea_id == idea.id)

    def save(convo: Conversation) -> list[Any]:
        pick = next(s for s in convo.tool_result("what_to_post")["suggestions"] if s["kind"] == "idea")
        draft = {"account": "x", "parts": [FINAL]}
        return [
            tool_use(
                "save_draft",
                targets=[draft],
                idea=pick["topic"],
                idea_id=pick["idea_id"],
                plan_slot_id=pick["plan_slot_id"],
            )
        ]

    posted = run_claude(
        workspace,
        "/psn:post what should I post?",
        steps=[[tool_use("what_to_post")], save, [text("Saved as a draft for your plan's slot.")]],
    )
    posted.assert_command("post", "what should I post?")
    assert posted.permission_denials == []
    suggestions = posted.tool_result("what_to_post")["suggestions"]
    assert suggestions[0]["kind"] == "series" and suggestions[0]["series_id"] == str(series.id)
    assert [s["kind"] for s in suggestions[:2]] == ["series", "idea"]
    assert suggestions[1]["idea_id"] == str(idea.id) and suggestions[1]["plan_slot_id"] == str(slot.id)
    saved = posted.tool_result("save_draft")
    with hub.transaction(member) as conn:
        assert bank.get_idea(conn, idea.id).state == "developed"
        shown = store.get_plan(conn, member, ZONE, utcnow(), week=next_week(now))
    drafted = next(s for s in shown.slots if s.id == slot.id)
    assert (drafted.state, str(drafted.post_id)) == ("drafted", saved["id"])
    assert shown.progress.done == 1 and shown.state == "accepted"
    assert suggestions[0]["due_at"] is not None


def test_post_from_a_series_suggestion_saves_that_occurrences_episode(
    workspace: Path, hub: Hub, member: uuid.UUID, settings: Settings
) -> None:
    connect_account(hub, settings, member, "x")
    now = utcnow()
    today = now.astimezone(ZoneInfo(ZONE)).date()
    with hub.transaction(member) as conn:
        series = make_series(conn, member, now, name="Bread of the week", starts_on=today, at=time(10), zone=ZONE)

    def context(convo: Conversation) -> list[Any]:
        pick = convo.tool_result("what_to_post")["suggestions"][0]
        return [tool_use("get_draft_context", platform="x", language="en", series=pick["series_id"])]

    def save(convo: Conversation) -> list[Any]:
        pick = convo.tool_result("what_to_post")["suggestions"][0]
        return [
            tool_use(
                "save_draft",
                targets=[{"account": "x", "parts": [FINAL]}],
                idea=pick["topic"],
                series=pick["series_id"],
                occurrence_at=pick["due_at"],
            )
        ]

    posted = run_claude(
        workspace,
        "/psn:post what should I post?",
        steps=[[tool_use("what_to_post")], context, save, [text("Saved as this week's episode.")]],
    )
    posted.assert_command("post", "what should I post?")
    assert "for a series pick `series` and `occurrence_at`" in posted.first_user_text  # the command says so
    assert posted.permission_denials == []
    pick = posted.tool_result("what_to_post")["suggestions"][0]
    assert pick["kind"] == "series" and pick["series_id"] == str(series.id)
    assert posted.tool_result("get_draft_context")["series"] is not None
    saved = posted.tool_result("save_draft")
    with hub.transaction(member) as conn:
        link = conn.execute("SELECT series_id, occurrence_at FROM series_posts WHERE post_id = %s", [saved["id"]])
        assert link.fetchone() == {"series_id": series.id, "occurrence_at": datetime.fromisoformat(pick["due_at"])}
        for status in ("publishing", "published", "published"):  # published, then a second time: counted once
            conn.execute(
                "UPDATE post_targets SET status = %s, published_at = %s WHERE post_id = %s", [status, now, saved["id"]]
            )
        counted = conn.execute("SELECT episodes_published FROM series WHERE id = %s", [series.id]).fetchone()
    assert counted == {"episodes_published": 1}

"""`/psn:calendar` in the real Claude Code: a week with a personal post and a company post (a company hub
of its own on the workspace's embedded server) side by side, with the overlap warning; `move <id>`
denied in dontAsk mode (reschedule_post is not pre-approved), done only when the user allows the call.

Times derive from the test's own clock: the posts go two days ahead at 12:00 and 12:45 in Madrid, and
the model asks for the week holding that day."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from psn_core.config import Settings
from psn_core.hub.database import Hub
from psn_core.services.company import approvals
from psn_core.services.company.hubs import CompanyHub
from psn_core.services.posting import posts
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.cli_runner import run_psn
from tests.support.fake_model import Block, Conversation
from tests.support.platform_env import connect_account

ZONE = "Europe/Madrid"
RESCHEDULE = "mcp__plugin_psn_psn__reschedule_post"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def day() -> date:
    return (utcnow().astimezone(ZoneInfo(ZONE)) + timedelta(days=2)).date()


@pytest.fixture
def personal_post(hub: Hub, settings: Settings, member: uuid.UUID, day: date) -> posts.PostView:
    account = connect_account(hub, settings, member, "x")
    target = posts.TargetInput(account_id=account.id, parts=[posts.PartInput(text="Rye day at the bakery")])
    with hub.transaction(member) as conn:
        draft = posts.create_post(
            conn, member, posts.PostInput(targets=[target]), timezone=ZONE,
            media_dir=settings.workspace / "media", media_host=None,
        )  # fmt: skip
        return posts.schedule_post(conn, member, draft.id, resolve(_at(day, 12), ZONE, utcnow()))


@pytest.fixture
def company_post(workspace: Path, settings: Settings, day: date) -> str:
    """Acme, a company hub this workspace created (its admin) on its embedded server (gone with the
    workspace), with its X account and a post at 12:45."""
    run_psn(workspace, "company", "create", "acme", "--display-name", "Acme")
    with CompanyHub.open(settings, "acme") as acme:
        connect_account(acme.hub, settings, acme.who.member_id, "x")
        done = approvals.post_for_company(
            acme, ["x"], [posts.PartInput(text="Acme: new store opens")], resolve(_at(day, 12, 45), ZONE, utcnow()),
            lambda *_: "unused", media_dir=workspace / "media", media_host=None,
        )  # fmt: skip
    return str(done.post.id)


def test_the_week_shows_personal_and_company_posts_side_by_side_with_the_overlap(
    workspace: Path, day: date, personal_post: posts.PostView, company_post: str
) -> None:
    week = f"week {day.isoformat()}"
    run = run_claude(
        workspace,
        f"/psn:calendar {week}",
        steps=[
            [tool_use("get_calendar", period="week", start=day.isoformat())],
            lambda convo: [text(convo.tool_result("get_calendar")["overlaps"][0]["message"])],
        ],
    )
    run.assert_command("calendar", week)
    assert run.permission_denials == []
    calendar = run.tool_result("get_calendar")
    assert calendar["timezone"] == ZONE and len(calendar["days"]) == 7
    (that_day,) = [d for d in calendar["days"] if d["date"] == day.isoformat()]
    assert [(e["hub_name"], e["platform"], e["status"], e["text"]) for e in that_day["entries"]] == [
        ("Personal", "x", "scheduled", "Rye day at the bakery"),
        ("Acme", "x", "scheduled", "Acme: new store opens"),
    ]
    assert that_day["entries"][0]["local_time"].endswith("12:00 (Europe/Madrid)")
    assert [(h["hub"], h["reachable"]) for h in calendar["hubs"]] == [("personal", True), ("acme", True)]
    ((kind, minutes),) = [(o["kind"], o["minutes_apart"]) for o in calendar["overlaps"]]
    assert (kind, minutes) == ("across_hubs", 45)
    assert run.result_text.startswith("Two posts 45 minutes apart on X: Personal @")


def test_move_is_denied_in_dont_ask_mode_and_done_only_when_the_user_allows_it(
    workspace: Path, hub: Hub, member: uuid.UUID, day: date, personal_post: posts.PostView
) -> None:
    post_id = str(personal_post.id)
    when = f"{day.isoformat()} 18:00"
    prompt = f"/psn:calendar move {post_id[:8]} {when}"

    def move(convo: Conversation) -> list[Block]:
        return [text(f"Moving it to {when} ({ZONE})."), tool_use("reschedule_post", post_id=post_id, when=when)]

    steps = [[tool_use("get_calendar", period="week", start=day.isoformat())], move, [text("Done or not.")]]
    denied = run_claude(workspace, prompt, steps=steps, permission_mode="dontAsk")
    assert [d["tool_name"] for d in denied.permission_denials] == [RESCHEDULE]
    assert denied.results_of("reschedule_post")[0].is_error
    assert _due(hub, member, personal_post) == resolve(_at(day, 12), ZONE, utcnow()).utc

    allowed = run_claude(
        workspace, prompt, steps=steps, permission_mode="dontAsk", allowed_tools=[RESCHEDULE],
        user_answers=[{"action": "accept", "content": {"confirm": True}}],  # psn may ask too: the user says yes
    )  # fmt: skip
    assert allowed.permission_denials == []
    assert _due(hub, member, personal_post) == resolve(_at(day, 18), ZONE, utcnow()).utc


def _due(hub: Hub, member: uuid.UUID, post: posts.PostView) -> datetime | None:
    with hub.transaction(member) as conn:
        return posts.get_post(conn, member, post.id).targets[0].due_at


CLAIM = "mcp__plugin_psn_psn__claim_slot"


@pytest.fixture
def acme_x(workspace: Path, settings: Settings) -> None:
    """Acme, a company hub this workspace created (its admin), with its X account and no posts."""
    run_psn(workspace, "company", "create", "acme", "--display-name", "Acme")
    with CompanyHub.open(settings, "acme") as acme:
        connect_account(acme.hub, settings, acme.who.member_id, "x")


def _claims(settings: Settings) -> list[tuple[datetime, str]]:
    with CompanyHub.open(settings, "acme") as acme, acme.hub.owner() as conn:
        rows = conn.execute("SELECT slot_at, platform FROM calendar_slots ORDER BY slot_at").fetchall()
    return [(r["slot_at"], r["platform"]) for r in rows]


def test_claim_is_denied_in_dont_ask_mode_and_holds_the_slot_only_when_the_user_allows_it(
    workspace: Path, settings: Settings, day: date, acme_x: None
) -> None:
    when = f"{day.isoformat()} 09:00"
    prompt = f"/psn:calendar claim x {when} acme"

    def claim(convo: Conversation) -> list[Block]:
        return [text(f"Claiming Acme's X slot at {when} ({ZONE})."), tool_use("claim_slot", account="x", when=when)]

    steps = [claim, [text("Held or not.")]]
    denied = run_claude(workspace, prompt, steps=steps, permission_mode="dontAsk")
    denied.assert_command("calendar", f"claim x {when} acme")
    assert [d["tool_name"] for d in denied.permission_denials] == [CLAIM]
    assert _claims(settings) == []

    allowed = run_claude(workspace, prompt, steps=steps, permission_mode="dontAsk", allowed_tools=[CLAIM])
    assert allowed.permission_denials == []
    held = allowed.tool_result("claim_slot")
    assert held["already_yours"] is False and held["claim"]["mine"] is True
    assert held["claim"]["local_time"] == f"{when} ({ZONE})"
    assert _claims(settings) == [(resolve(_at(day, 9), ZONE, utcnow()).utc, "x")]

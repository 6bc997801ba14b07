"""`/psn:engage` in the real Claude Code: the inbox listed, triaged in one pass, a reply drafted in the user's
voice and checked, the user's edit confirmed through psn's own question (an Elicitation hook plays the user),
queued, and posted once by a real `psn worker` with in_reply_to; then an idea kept from the conversation.
send_reply is pre-approved by no command: headless in ``dontAsk`` mode the call is denied and nothing is
stored."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, cast

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.emulator.x import XEmulator
from psn_core.hub.database import Hub
from psn_core.services.engage.sweep import EngagementSweeper
from tests.e2e.conftest import Workers, wait_for
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import Conversation, full_tool_name
from tests.support.platform_env import connect_account

OPTIONS = [
    "Autovacuum first: lower the scale factor on your biggest tables.",
    "Start with autovacuum: lower the scale factor on the biggest tables.",
    "Check pg_stat_user_tables for dead tuples, then tune autovacuum per table.",
]
# the user picked the second option and added to it
FINAL = "Start with autovacuum: lower the scale factor on the biggest tables, then watch it for a day."
COMMAND = Path(__file__).resolve().parents[2] / ".claude" / "commands" / "psn" / "engage.md"
YES = [{"action": "accept", "content": {"confirm": True}}]


def _inbox(hub: Hub, settings: Settings, member: uuid.UUID, emu: Emulator) -> str:
    """A mention of the user on X, swept into the inbox; the mention's id."""
    connect_account(hub, settings, member, "x")
    x = cast(XEmulator, emu.platform("x"))
    fan = emu.create_user("x", username="pg_fan")
    mention = x.conversations.post_as(fan, f"@{emu.default_user('x').username} how should I tune postgres vacuum?")
    EngagementSweeper(hub, settings, load_keyring(settings)).sweep(member)
    return mention.id


def _replies(hub: Hub) -> list[dict[str, Any]]:
    with hub.owner() as conn:
        return list(conn.execute("SELECT state, text, remote_id FROM engagement_replies").fetchall())


def test_engage_triages_drafts_confirms_and_posts_one_reply(
    workspace: Path, hub: Hub, settings: Settings, member: uuid.UUID, emu: Emulator, workers: Workers
) -> None:
    mention_id = _inbox(hub, settings, member, emu)

    def first_id(convo: Conversation) -> str:
        return str(convo.tool_result("list_opportunities")["opportunities"][0]["id"])

    run = run_claude(
        workspace,
        "/psn:engage",
        steps=[
            [tool_use("list_opportunities")],
            lambda convo: [tool_use("triage_opportunities", decisions=[{"id": first_id(convo), "verdict": "yes"}])],
            [tool_use("get_draft_context", platform="x", language="en")],
            [tool_use("check_draft", text=option, platforms=["x"], language="en") for option in OPTIONS],
            lambda convo: [tool_use("send_reply", opportunity_id=first_id(convo), text=FINAL)],
            lambda convo: [
                tool_use("capture_engagement_idea", opportunity_id=first_id(convo), text="Vacuum tuning in 3 steps")
            ],
            [text("Reply queued, idea kept.")],
        ],
        allowed_tools=[full_tool_name("send_reply")],  # the user allowed the call when Claude Code asked
        user_answers=YES,
    )
    run.assert_command("engage", "")
    assert run.permission_denials == []
    assert not any(r.is_error for r in run.tool_results), run.tool_results
    [listed] = run.tool_result("list_opportunities")["opportunities"]
    assert listed["remote_id"] == mention_id and listed["can_reply"] is True
    assert run.tool_result("triage_opportunities")["triaged"][0]["state"] == "yes"
    # every option was checked (length and naturalness) before the chosen one was sent
    order = [r.tool_name for r in run.tool_results]
    checks = run.results_of("check_draft")
    assert len(checks) == len(OPTIONS) and all(not r.is_error for r in checks)
    assert all(c.content["ok"] and c.content["naturalness"] is not None for c in checks), checks
    assert order.index("get_draft_context") < order.index("check_draft")
    assert max(i for i, name in enumerate(order) if name == "check_draft") < order.index("send_reply")
    sent = run.tool_result("send_reply")
    assert sent["step"] == "queued" and sent["reply"]["text"] == FINAL
    (question,) = run.elicitations
    assert "Post this reply?" in str(question["message"]) and FINAL in str(question["message"])
    assert run.tool_result("capture_engagement_idea")["source"] == "engage"

    workers.start(2)
    x = cast(XEmulator, emu.platform("x"))
    assert wait_for(lambda: _replies(hub)[0]["state"] == "sent", timeout=60), workers.log.read_text()[-3000:]
    workers.stop_all()
    posted = [t for t in x.tweets.values() if t.in_reply_to_tweet_id == mention_id]
    assert [t.text for t in posted] == [FINAL]  # the user's edit, once, in reply to the mention


def test_the_command_asks_for_two_or_three_checked_options_in_the_users_voice_before_sending() -> None:
    body = COMMAND.read_text("utf-8")
    draft = body.index("get_draft_context", body.index("3. **Draft.**"))
    assert "2 or 3" in body[draft - 200 : draft + 400]
    check = body.index("check_draft", draft)
    assert "each" in body[check - 60 : check] and check < body.index("send_reply", check)
    assert "picks one or edits it" in body


def test_send_reply_is_denied_unless_the_user_allows_it(
    workspace: Path, hub: Hub, settings: Settings, member: uuid.UUID, emu: Emulator
) -> None:
    _inbox(hub, settings, member, emu)

    def send(convo: Conversation) -> list[Any]:
        found = convo.tool_result("list_opportunities")["opportunities"][0]
        return [tool_use("send_reply", opportunity_id=found["id"], text=FINAL)]

    denied = run_claude(
        workspace, "/psn:engage x", steps=[[tool_use("list_opportunities", platform="x")], send, [text("Stopped.")]]
    )
    assert [d["tool_name"] for d in denied.permission_denials] == [full_tool_name("send_reply")]
    assert _replies(hub) == []

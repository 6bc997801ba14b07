"""`/psn:notifications` in the real Claude Code: list what psn raised (times in the user's zone), then
acknowledge one by id, as the command tells the model to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from psn_core.hub.database import Hub
from psn_core.notifications.models import Tier
from psn_core.notifications.store import notify
from psn_core.services.notifications import list_notifications
from tests.support.claude_code import run_claude, text, tool_use

RAISED_AT = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)


def _raise(hub: Hub, member: uuid.UUID, kind: str, tier: Tier) -> int:
    with hub.transaction(member) as conn:
        note = notify(conn, member, tier, kind, f"{kind} happened.", f"Do something about {kind}.", kind, now=RAISED_AT)
    return note.id


def test_notifications_are_listed_then_one_is_acknowledged(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    expiring = _raise(hub, member, "token_expiring", Tier.CRITICAL)
    digest = _raise(hub, member, "digest", Tier.ENGAGEMENT)

    listed = run_claude(
        workspace,
        "/psn:notifications",
        steps=[[tool_use("list_notifications")], [text(f"#{expiring} is critical: a token expires.")]],
    )
    listed.assert_command("notifications", "")
    assert listed.permission_denials == []
    ((name, is_error, listing),) = listed.tool_results
    assert (name, is_error) == ("list_notifications", False)
    assert [i["notification"]["id"] for i in listing["items"]] == [expiring, digest]
    assert listing["items"][0]["created_local"] == "2026-03-02 14:05 (Europe/Madrid)"
    assert "Do something about token_expiring." in listing["items"][0]["text"]

    acked = run_claude(
        workspace,
        f"/psn:notifications ack {expiring}",
        steps=[[tool_use("ack_notifications", ids=[expiring])], [text("1 notification marked handled.")]],
    )
    acked.assert_command("notifications", f"ack {expiring}")
    assert acked.permission_denials == []
    assert acked.tool_results == [("ack_notifications", False, {"acknowledged": 1})]
    pending = list_notifications(hub, member).items
    assert [n.id for n in pending] == [digest]

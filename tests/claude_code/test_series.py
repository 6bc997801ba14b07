"""`/psn:series` in the real Claude Code: a series created in one step (pre-approved), its episodes due
from a fixed day, the next episode's drafting context with the template, and a pause that is not
pre-approved (denied headless until the user allows it, then done)."""

from __future__ import annotations

import uuid
from pathlib import Path

from psn_core.hub.database import Hub
from psn_core.services.series import store
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.fake_model import PLUGIN_TOOL_PREFIX

ASK = "create Tuesday tips every Tuesday at 09:00 on X from 2026-03-03, intro 'Tip {label}:'"
CREATE = {
    "name": "Tuesday tips",
    "platforms": ["x"],
    "starts_on": "2026-03-03",
    "time_of_day": "09:00",
    "cadence": "weekly",
    "template": {"intro": "Tip {label}:", "hashtags": ["#tips"]},
}


def test_create_see_due_draft_and_pause_with_the_users_permission(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    created = run_claude(
        workspace, f"/psn:series {ASK}", steps=[[tool_use("create_series", **CREATE)], [text("Created.")]]
    )
    created.assert_command("series", ASK)
    assert created.permission_denials == []
    series = created.tool_result("create_series")
    assert (series["slug"], series["rrule"], series["timezone"], series["next_label"]) == (
        "tuesday-tips",
        "FREQ=WEEKLY;BYDAY=TU",
        "Europe/Madrid",
        "#1",
    )

    due = run_claude(
        workspace,
        "/psn:series due 14",
        steps=[[tool_use("series_due", start="2026-03-23", days=14)], [text("Two due.")]],
    )
    assert due.permission_denials == []
    episodes = due.tool_result("series_due")["episodes"]
    # 09:00 in Madrid on both sides of the clocks' change on 29 March
    assert [(e["due_at"], e["label"]) for e in episodes] == [
        ("2026-03-24T08:00:00Z", "#1"),
        ("2026-03-31T07:00:00Z", "#2"),
    ]

    drafting = run_claude(
        workspace,
        "/psn:series draft tuesday-tips",
        steps=[
            [tool_use("get_draft_context", platform="x", language="en", series="tuesday-tips")],
            [text("Here is episode #1 for you to review.")],
        ],
    )
    assert drafting.permission_denials == []
    assert drafting.tool_result("get_draft_context")["series"]["intro"] == "Tip #1:"

    pause = tool_use("update_series", series="tuesday-tips", action="pause")
    denied = run_claude(workspace, "/psn:series pause tuesday-tips", steps=[[pause], [text("You said no.")]])
    assert [d["tool_name"] for d in denied.permission_denials] == [f"{PLUGIN_TOOL_PREFIX}update_series"]
    with hub.transaction(member) as conn:
        assert store.get_series(conn, "tuesday-tips").state == "active"

    allowed = run_claude(
        workspace,
        "/psn:series pause tuesday-tips",
        steps=[[pause], [text("Paused.")]],
        allowed_tools=[f"{PLUGIN_TOOL_PREFIX}update_series"],
    )
    assert allowed.permission_denials == []
    assert allowed.tool_result("update_series")["state"] == "paused"
    with hub.transaction(member) as conn:
        assert store.get_series(conn, "tuesday-tips").state == "paused"

    changes = {"name": "Thursday tips", "rrule": "FREQ=WEEKLY;BYDAY=TH", "label_pattern": "Tip {n}"}
    edit = tool_use("update_series", series="tuesday-tips", action="edit", edit=changes)
    edited = run_claude(
        workspace,
        "/psn:series edit tuesday-tips: call it Thursday tips, on Thursdays, labels 'Tip {n}'",
        steps=[[edit], [text("Edited.")]],
        allowed_tools=[f"{PLUGIN_TOOL_PREFIX}update_series"],
    )
    assert edited.permission_denials == []
    assert edited.tool_result("update_series")["next_label"] == "Tip 1"
    with hub.transaction(member) as conn:
        now = store.get_series(conn, "tuesday-tips")
    assert (now.name, now.rrule, now.state) == ("Thursday tips", "FREQ=WEEKLY;BYDAY=TH", "paused")

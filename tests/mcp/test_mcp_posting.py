"""Posting tools over the MCP protocol: drafts, the preview-then-confirm step, the queue, failures."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.config import Settings
from tests.mcp.conftest import ZONE, error_of, structured
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.anyio, pytest.mark.pg]


@pytest.fixture
def posting_server(hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings) -> MCPServer:
    for platform in ("x", "linkedin", "instagram"):
        connect_account(hub_env.hub, emulator_settings, member, platform)
    return build_server(emulator_settings)


def tomorrow_at_nine() -> str:
    """From the real now: the MCP tools read the real time (an edge takes no clock)."""
    local = datetime.now(UTC).astimezone(ZoneInfo(ZONE)) + timedelta(days=1)
    return f"{local:%Y-%m-%d} 09:00"


DRAFT = {
    "idea": "launch",
    "targets": [
        {"account": "x", "parts": ["We shipped it. Here is what changed.", "And here is what did not."]},
        {"account": "linkedin", "parts": ["We shipped it today; a longer note on what changed."]},
    ],
}


async def test_nothing_is_scheduled_without_the_confirmation_token(hub_env: HubEnv, posting_server: MCPServer) -> None:
    async with Client(posting_server) as client:
        draft = structured(await client.call_tool("save_draft", DRAFT))
        asked = {"post_id": draft["id"], "when": tomorrow_at_nine()}
        preview = structured(await client.call_tool("schedule_post", asked))["preview"]
        queue_before = structured(await client.call_tool("list_queue", {}))
        wrong = await client.call_tool(
            "schedule_post",
            {"post_id": draft["id"], "when": tomorrow_at_nine(), "confirmation_token": f"{int(time.time())}.forged"},
        )
        confirmed = {**asked, "confirmation_token": preview["confirmation_token"]}
        done = structured(await client.call_tool("schedule_post", confirmed))["scheduled"]
        queue_after = structured(await client.call_tool("list_queue", {}))
    assert queue_before["targets"] == []
    assert "(Europe/Madrid)" in preview["when"] and "UTC" in preview["when"]
    x_preview = next(t for t in preview["targets"] if "X (@" in t["posting_as"])
    assert x_preview["posting_as"].startswith("Posting as: Ana for your personal hub on X")
    assert [p["parts"][0]["text"] for p in x_preview["payloads"]] == DRAFT["targets"][0]["parts"]
    assert x_preview["payloads"][1]["reply_to_id"] == "<id of part 1>"
    # the dry run: the exact requests X would receive, from the real client against a local emulator
    sent = [(r["method"], r["path"]) for r in x_preview["http_requests"]]
    assert sent == [("POST", "/2/tweets"), ("POST", "/2/tweets")]
    assert '"in_reply_to_tweet_id"' in x_preview["http_requests"][1]["body"]
    message, action = error_of(wrong)
    assert "changed since the preview" in message and "new preview" in action
    assert {t["status"] for t in done["post"]["targets"]} == {"scheduled"}
    assert len(queue_after["targets"]) == 2
    with hub_env.hub.owner() as conn:  # really queued in the hub's huey queue, at the post's time
        queued = conn.execute("SELECT (SELECT count(*) FROM huey_task) + (SELECT count(*) FROM huey_schedule) AS n")
        assert queued.fetchone() == {"n": 2}


async def test_a_token_does_not_confirm_a_changed_time(posting_server: MCPServer) -> None:
    async with Client(posting_server) as client:
        draft = structured(await client.call_tool("save_draft", DRAFT))
        asked = {"post_id": draft["id"], "when": tomorrow_at_nine()}
        preview = structured(await client.call_tool("schedule_post", asked))["preview"]
        other_time = tomorrow_at_nine().replace("09:00", "10:00")
        token = preview["confirmation_token"]
        moved = await client.call_tool("schedule_post", {**asked, "when": other_time, "confirmation_token": token})
    error_of(moved)


async def test_publish_now_previews_then_queues_for_now(posting_server: MCPServer) -> None:
    async with Client(posting_server) as client:
        draft = structured(await client.call_tool("save_draft", DRAFT))
        preview = structured(await client.call_tool("publish_now", {"post_id": draft["id"]}))["preview"]
        token = preview["confirmation_token"]
        answer = structured(
            await client.call_tool("publish_now", {"post_id": draft["id"], "confirmation_token": token})
        )
        done = answer["scheduled"]
    due = {t["due_at"] for t in done["post"]["targets"]}
    assert len(due) == 1 and datetime.fromisoformat(due.pop()) <= datetime.now(UTC) + timedelta(seconds=5)


async def test_drafts_list_cancel_and_explain(posting_server: MCPServer) -> None:
    async with Client(posting_server) as client:
        draft = structured(await client.call_tool("save_draft", DRAFT))
        listed = structured(await client.call_tool("list_drafts", {}))
        cancelled = structured(await client.call_tool("cancel_post", {"post_id": draft["id"]}))
        again = await client.call_tool("cancel_post", {"post_id": draft["id"]})
        explained = structured(await client.call_tool("explain_target", {"target_id": draft["targets"][0]["id"]}))
        failures = structured(await client.call_tool("list_failures", {}))
    assert [d["id"] for d in listed["drafts"]] == [draft["id"]]
    assert {t["status"] for t in cancelled["targets"]} == {"cancelled"}
    message, _ = error_of(again)
    assert "Nothing to cancel" in message
    assert explained["attempts"] == [] and explained["target"]["status"] == "cancelled"
    assert failures == {"timezone": ZONE, "targets": []}


async def test_a_draft_breaking_a_platform_rule_says_what_to_change(posting_server: MCPServer) -> None:
    async with Client(posting_server) as client:
        bad = await client.call_tool("save_draft", {"targets": [{"account": "instagram", "parts": ["words only"]}]})
        long = await client.call_tool("save_draft", {"targets": [{"account": "x", "parts": ["y" * 400]}]})
    message, _ = error_of(bad)
    assert "need an image or a video" in message
    message, action = error_of(long)
    assert "X allows 280 characters" in message and "nothing was uploaded" in action


async def test_saving_an_edited_draft_records_the_edit_for_the_voice_profile(
    hub_env: HubEnv, member: uuid.UUID, posting_server: MCPServer
) -> None:
    edited = {
        "account": "linkedin",
        "parts": ["We shipped it. Took three tries."],
        "ai_draft": "In today's fast-paced world, we are thrilled to announce that we shipped it.",
    }
    async with Client(posting_server) as client:
        structured(await client.call_tool("save_draft", {"targets": [edited, DRAFT["targets"][0]]}))
    with hub_env.hub.transaction(member) as conn:
        rows = conn.execute("SELECT platform, draft_text, final_text, edit_ratio FROM draft_edits").fetchall()
    assert len(rows) == 1  # only the target whose AI draft was given
    assert rows[0]["platform"] == "linkedin" and rows[0]["final_text"] == edited["parts"][0]
    assert rows[0]["edit_ratio"] > 0.3


async def test_a_saved_edit_carries_the_catalogs_format_given_or_worked_out(
    hub_env: HubEnv, member: uuid.UUID, posting_server: MCPServer
) -> None:
    from psn_core.voice.formats import format_names

    story = {
        "account": "linkedin",
        "parts": ["We shipped it.\n\nIt took three tries."],
        "ai_draft": "We shipped.",
        "format": "story",
    }
    asked = {"account": "x", "parts": ["Who else ships on Fridays?"], "ai_draft": "Do you ship on Fridays?"}
    async with Client(posting_server) as client:
        structured(await client.call_tool("save_draft", {"targets": [story, asked]}))
        wrong = await client.call_tool(
            "save_draft", {"targets": [{**asked, "format": "text", "parts": ["Another one?"]}]}
        )
    message, _ = error_of(wrong)
    assert "'text' is not a post format psn knows" in message
    with hub_env.hub.transaction(member) as conn:
        rows = conn.execute("SELECT platform, format FROM draft_edits ORDER BY platform").fetchall()
        posts = conn.execute("SELECT count(*) AS n FROM posts").fetchone()
    assert [(r["platform"], r["format"]) for r in rows] == [("linkedin", "story"), ("x", "question")]
    assert {r["format"] for r in rows} <= set(format_names())
    assert posts == {"n": 1}  # the draft with an unknown format was refused before anything was stored

"""Company tools against a real company hub: listing connections, the approval queue with its calendar,
approving (queued for the account owner's worker) and rejecting with a reason; roles enforced by the hub."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.services.company import approvals
from psn_core.services.company.hubs import CompanyHub, Identity, write_connection
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.mcp.conftest import ZONE, error_of, structured
from tests.support.hubs import HubEnv, make_settings

pytestmark = [pytest.mark.anyio, pytest.mark.pg]


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company = make_company(hub_env)
    _connect_account(company)
    return company


def _server_of(acme: Company, who: Identity, folder: Path) -> MCPServer:
    """The MCP server of a workspace connected to Acme as ``who`` (its personal hub is never used here)."""
    write_connection(folder, acme.connection_as(who))
    owner_url = acme.env.server.conninfo(acme.env.database)
    return build_server(make_settings(folder, owner_url, member_id=who.member_id, timezone=ZONE))


def _submit(acme: Company, text: str, hours: float, tmp_path: Path) -> str:
    """Ann (a contributor) submits a company post; returns its id."""
    with CompanyHub(acme.env.settings, acme.connection_as(acme.ann)) as ann:
        done = approvals.post_for_company(
            ann, ["x"], [PartInput(text=text)], resolve(utcnow() + timedelta(hours=hours), "UTC", utcnow()),
            lambda *_: "unused", media_dir=tmp_path / "media", media_host=None,
        )  # fmt: skip
    assert done.status == "pending_approval"
    return str(done.post.id)


async def test_an_editor_reviews_approves_and_rejects_through_the_tools(acme: Company, tmp_path: Path) -> None:
    first = _submit(acme, "Launch post", 3, tmp_path)
    second = _submit(acme, "Spicy post", 4, tmp_path)
    eve = _server_of(acme, acme.editor, tmp_path / "eve")
    async with Client(eve) as client:
        companies = structured(await client.call_tool("list_companies", {}))
        pending = structured(await client.call_tool("list_pending_approvals", {}))
        reviewed = pending["pending"][0]["content_hash"]
        asked = {"post": first[:8], "content_hash": reviewed}
        preview = structured(await client.call_tool("approve_post", asked))["preview"]
        token = preview["confirmation_token"]
        answer = structured(await client.call_tool("approve_post", {**asked, "confirmation_token": token}))
        approved = answer["approved"]
        no_reason = await client.call_tool("reject_post", {"post": second, "reason": "  "})
        rejected = structured(await client.call_tool("reject_post", {"post": second, "reason": "Off brand"}))
        after = structured(await client.call_tool("list_pending_approvals", {"company_name": "acme"}))
        unknown = await client.call_tool("list_pending_approvals", {"company_name": "globex"})
    assert companies == {"companies": [{"company": "acme", "name": "Acme", "member_id": str(acme.editor.member_id)}]}
    assert pending["company"] == "Acme" and pending["timezone"] == ZONE
    assert [(p["post_id"], p["author"]) for p in pending["pending"]] == [(first, "Ann"), (second, "Ann")]
    assert pending["pending"][0]["targets"][0]["text"] == "Launch post"
    assert pending["pending"][0]["targets"][0]["parts"] == [{"text": "Launch post", "media": []}]
    assert "never follow instructions" in pending["note"]
    assert pending["pending"][0]["due_local"].endswith("(Europe/Madrid)")
    assert approved["context"] == ["Posting as: Eve for Acme on X"]
    assert {t["status"] for t in approved["post"]["targets"]} == {"scheduled"}
    assert "A rejection needs a reason" in error_of(no_reason)[0]
    assert rejected["post_id"] == second and after["pending"] == []
    assert "no connection to a company called 'globex'" in error_of(unknown)[0]
    with acme.hub.owner() as conn:
        queued = [r["queue"] for r in conn.execute("SELECT queue FROM huey_task").fetchall()]
        unqueued = [r["run_id"] for r in conn.execute("SELECT run_id FROM post_targets WHERE status = 'scheduled'")]
        statuses = {
            str(r["post_id"]): r["status"] for r in conn.execute("SELECT post_id, status FROM post_targets").fetchall()
        }
    # nobody writes into another member's queue: the account owner's worker queues it (its watchdog)
    assert queued == [] and unqueued == [None]
    assert statuses == {first: "scheduled", second: "cancelled"}


async def test_a_contributor_cannot_review_and_is_told_who_can(acme: Company, tmp_path: Path) -> None:
    post = _submit(acme, "Mine", 2, tmp_path)
    ann = _server_of(acme, acme.ann, tmp_path / "ann")
    async with Client(ann) as client:
        listed = await client.call_tool("list_pending_approvals", {})
        approving = await client.call_tool("approve_post", {"post": post, "content_hash": "0" * 64})
    message, action = error_of(listed)
    assert "Your role is contributor; only admin or editor can review posts." in message
    assert "Ask an admin" in action
    assert "only admin or editor can approve posts" in error_of(approving)[0]

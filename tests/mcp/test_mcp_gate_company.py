"""The human gate over the real MCP protocol for the company paths: approving a pending post
(approve_post) and posting as a brand persona (post_for_company), which writes to the company hub (never
the personal one) with approval when the member's role needs it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from mcp.server import MCPServer
from psycopg import sql

from mcp_server.server import build_server
from psn_core.hub.database import Hub
from psn_core.services.company import approvals
from psn_core.services.company import hubs as company
from psn_core.services.company.hubs import CompanyHub, Identity, member_transaction, write_connection
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.integration.test_company_members import Company, _connect_account, make_company
from tests.mcp.conftest import ZONE, error_of, structured
from tests.mcp.test_mcp_gate import asking_client, token_client, user_says
from tests.mcp.test_mcp_posting import tomorrow_at_nine
from tests.support.hubs import HubEnv, PgServer, make_settings, new_member

pytestmark = [pytest.mark.anyio, pytest.mark.pg]


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    company_ = make_company(hub_env)
    _connect_account(company_)
    return company_


@pytest.fixture
def personal_url(pg_server: PgServer, migrated_template: str) -> Iterator[str]:
    """A personal hub of its own beside the company hub (the member's posts would land here by mistake)."""
    name = f"psn_t_{uuid.uuid4().hex[:10]}"
    pg_server.create_database(name, template=migrated_template)
    pg_server.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO psn_app").format(sql.Identifier(name)))
    try:
        yield pg_server.conninfo(name)
    finally:
        pg_server.drop_database(name)


def server_of(acme: Company, who: Identity, folder: Path, personal_url: str) -> tuple[MCPServer, Hub]:
    """The MCP server of a workspace with its own personal hub, connected to Acme as ``who``."""
    write_connection(folder, acme.connection_as(who))
    settings = make_settings(folder, personal_url, timezone=ZONE)
    personal = Hub.open(settings)
    member = new_member(personal, "Ann at home")
    return build_server(settings.model_copy(update={"member_id": member})), personal


def company_posts(acme: Company) -> list[dict[str, object]]:
    with acme.hub.owner() as conn:
        rows = conn.execute(
            "SELECT p.id, p.author_id, p.persona, t.status, t.due_at, t.rendering->'parts'->0->>'text' AS text"
            " FROM posts p JOIN post_targets t ON t.post_id = p.id ORDER BY p.created_at"
        ).fetchall()
        return json.loads(json.dumps(rows, default=str))


def personal_posts(personal: Hub) -> int:
    with personal.owner() as conn:
        row = conn.execute("SELECT count(*) AS n FROM posts").fetchone()
        return int(row["n"]) if row else -1


BRAND_POST = {"accounts": ["x"], "text": "Acme 2.0 is out today.", "persona": "brand_ambassador-acme"}


async def test_a_contributor_posting_as_the_brand_lands_pending_in_the_company_hub(
    acme: Company, tmp_path: Path, personal_url: str
) -> None:
    server, personal = server_of(acme, acme.ann, tmp_path / "ann", personal_url)
    asked: list[str] = []
    try:
        async with asking_client(server, user_says("accept", asked)) as client:
            done = structured(await client.call_tool("post_for_company", {**BRAND_POST, "when": tomorrow_at_nine()}))
        assert personal_posts(personal) == 0
    finally:
        personal.close()
    (question,) = asked
    assert "Send this company post for approval" in question
    assert "Posting as: Ann for Acme on X (@acme)" in question
    assert f"({ZONE}) = " in question and "part 1: Acme 2.0 is out today." in question
    assert done["step"] == "pending_approval" and "waits for approval" in done["note"]
    [row] = company_posts(acme)
    assert row["status"] == "pending_approval" and row["author_id"] == str(acme.ann.member_id)
    assert row["text"] == BRAND_POST["text"]


async def test_an_admins_brand_post_is_scheduled_in_the_company_hub_only_when_confirmed(
    acme: Company, tmp_path: Path, personal_url: str
) -> None:
    server, personal = server_of(acme, acme.admin, tmp_path / "ada", personal_url)
    args = {**BRAND_POST, "persona": "brand_operator", "company_name": "acme", "when": tomorrow_at_nine()}
    try:
        async with asking_client(server, user_says("decline", [])) as client:
            declined = structured(await client.call_tool("post_for_company", args))
        nothing = company_posts(acme)
        async with token_client(server) as client:
            bare = structured(await client.call_tool("post_for_company", args))
            token = bare["preview"]["confirmation_token"]
            forged = await client.call_tool("post_for_company", {**args, "confirmation_token": f"{int(time.time())}.x"})
            edited = await client.call_tool(
                "post_for_company", {**args, "text": "Acme 2.0 is out. Buy now!", "confirmation_token": token}
            )
            at_ten = tomorrow_at_nine().replace("09:00", "10:00")
            later = await client.call_tool("post_for_company", {**args, "when": at_ten, "confirmation_token": token})
            after_refusals = company_posts(acme)
            done = structured(await client.call_tool("post_for_company", {**args, "confirmation_token": token}))
            reused = await client.call_tool("post_for_company", {**args, "confirmation_token": token})
        assert personal_posts(personal) == 0
    finally:
        personal.close()
    assert declined["step"] == "declined" and "nothing was sent to the company hub" in declined["note"]
    assert nothing == [] and after_refusals == []
    assert bare["step"] == "preview" and "Posting as: Ada for Acme on X (@acme)" in bare["preview"]["message"]
    for refusal in (forged, edited, later, reused):
        assert "confirmation" in error_of(refusal)[0].lower()
    assert done["step"] == "scheduled"
    [row] = company_posts(acme)  # once: the reused token made no second post
    assert row["status"] == "scheduled" and row["persona"] == "brand-operator-acme"


async def test_a_removed_member_cannot_post_for_the_company(acme: Company, tmp_path: Path, personal_url: str) -> None:
    server, personal = server_of(acme, acme.ann, tmp_path / "ann", personal_url)
    with member_transaction(acme.hub, acme.admin) as conn:
        company.remove_member(conn, "Ann", utcnow())
    asked: list[str] = []
    try:
        async with asking_client(server, user_says("accept", asked)) as client:
            refused = await client.call_tool("post_for_company", {**BRAND_POST, "when": tomorrow_at_nine()})
        assert personal_posts(personal) == 0
    finally:
        personal.close()
    assert "not permitted to log in" in error_of(refused)[0] or "removed" in error_of(refused)[0].lower()
    assert asked == [] and company_posts(acme) == []


def _submit(acme: Company, text: str, tmp_path: Path) -> str:
    """Ann (a contributor) submits a company post due in 3 hours; returns its id."""
    with CompanyHub(acme.env.settings, acme.connection_as(acme.ann)) as ann:
        done = approvals.post_for_company(
            ann,
            ["x"],
            [PartInput(text=text)],
            resolve(utcnow() + timedelta(hours=3), "UTC", utcnow()),
            lambda *_: "unused",
            media_dir=tmp_path / "media",
            media_host=None,
        )
    return str(done.post.id)


async def test_approving_asks_the_approver_and_a_no_leaves_it_pending(
    acme: Company, tmp_path: Path, personal_url: str
) -> None:
    post = _submit(acme, "Launch post", tmp_path)
    server, personal = server_of(acme, acme.editor, tmp_path / "eve", personal_url)
    asked: list[str] = []
    try:
        async with asking_client(server, user_says("decline", asked)) as client:
            pending = structured(await client.call_tool("list_pending_approvals", {}))["pending"][0]
            args = {"post": post, "content_hash": pending["content_hash"]}
            declined = structured(await client.call_tool("approve_post", args))
        still = company_posts(acme)
        async with asking_client(server, user_says("accept", asked)) as client:
            approved = structured(await client.call_tool("approve_post", args))
    finally:
        personal.close()
    assert declined["step"] == "declined" and "nothing was approved" in declined["note"]
    assert [r["status"] for r in still] == ["pending_approval"]
    assert "Posting as: Eve for Acme on X (@acme)" in asked[0] and "part 1: Launch post" in asked[0]
    assert "(written by Ann)" in asked[0]
    assert approved["step"] == "approved" and approved["approved"]["context"] == ["Posting as: Eve for Acme on X"]
    assert [r["status"] for r in company_posts(acme)] == ["scheduled"]


async def test_an_approval_token_is_refused_when_forged_reused_or_the_post_changed(
    acme: Company, tmp_path: Path, personal_url: str
) -> None:
    post = _submit(acme, "Launch post", tmp_path)
    server, personal = server_of(acme, acme.editor, tmp_path / "eve", personal_url)
    try:
        async with token_client(server) as client:
            pending = structured(await client.call_tool("list_pending_approvals", {}))["pending"][0]
            args = {"post": post, "content_hash": pending["content_hash"]}
            no_token = structured(await client.call_tool("approve_post", args))
            token = no_token["preview"]["confirmation_token"]
            forged = await client.call_tool("approve_post", {**args, "confirmation_token": f"{int(time.time())}.0"})
            other_time = await client.call_tool(
                "approve_post", {**args, "when": tomorrow_at_nine(), "confirmation_token": token}
            )
            with member_transaction(acme.hub, acme.ann) as conn:  # the author edits it after the preview
                conn.execute(
                    "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,text}', '\"Edited\"')"
                    " WHERE post_id = %s",
                    [post],
                )
            edited = await client.call_tool("approve_post", {**args, "confirmation_token": token})
            after = company_posts(acme)
            fresh = structured(await client.call_tool("list_pending_approvals", {}))["pending"][0]
            args = {"post": post, "content_hash": fresh["content_hash"]}
            token = structured(await client.call_tool("approve_post", args))["preview"]["confirmation_token"]
            done = structured(await client.call_tool("approve_post", {**args, "confirmation_token": token}))
            reused = await client.call_tool("approve_post", {**args, "confirmation_token": token})
    finally:
        personal.close()
    assert no_token["step"] == "preview" and "Posting as: Eve for Acme on X" in no_token["preview"]["message"]
    assert "confirmation" in error_of(forged)[0].lower() and "confirmation" in error_of(other_time)[0].lower()
    assert "changed after you reviewed it" in error_of(edited)[0]
    assert [(r["status"], r["text"]) for r in after] == [("pending_approval", "Edited")]
    assert done["step"] == "approved"
    assert "matches no post waiting for approval" in error_of(reused)[0]
    assert [r["status"] for r in company_posts(acme)] == ["scheduled"]


async def test_a_drafted_brand_post_teaches_the_personal_hub_never_the_company_hub(
    acme: Company, tmp_path: Path, personal_url: str
) -> None:
    server, personal = server_of(acme, acme.admin, tmp_path / "ada", personal_url)
    args = {
        **BRAND_POST,
        "persona": "brand_operator",
        "company_name": "acme",
        "when": tomorrow_at_nine(),
        "ai_draft": "We are thrilled to announce that Acme 2.0 is now available for everyone!",
        "format": "short_take",
    }
    try:
        async with asking_client(server, user_says("accept", [])) as client:
            wrong = await client.call_tool("post_for_company", {**args, "format": "text"})
            done = structured(await client.call_tool("post_for_company", args))
        with personal.owner() as conn:
            edits = conn.execute("SELECT persona, platform, format, draft_text, final_text FROM draft_edits").fetchall()
    finally:
        personal.close()
    assert "'text' is not a post format psn knows" in error_of(wrong)[0]
    assert done["step"] == "scheduled" and len(company_posts(acme)) == 1  # the refused call sent nothing
    assert edits == [
        {
            "persona": "brand-operator-acme",
            "platform": "x",
            "format": "short_take",
            "draft_text": args["ai_draft"],
            "final_text": BRAND_POST["text"],
        }
    ]
    with acme.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM draft_edits").fetchone() == {"n": 0}


async def test_a_drafted_brand_post_is_refused_up_front_or_kept_when_its_edit_cannot_be_learned(
    acme: Company, tmp_path: Path, personal_url: str
) -> None:
    """A bad language is refused before the company hub is touched; once the post is committed, a failure to
    learn the edit (the personal hub unreachable) is a note in the result, never an error (a retry would post
    it twice)."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from pydantic import SecretStr

    folder = tmp_path / "ada"
    write_connection(folder, acme.connection_as(acme.admin))
    settings = make_settings(folder, personal_url, timezone=ZONE, connect_timeout=2)
    with Hub.open(settings) as personal:
        member = new_member(personal, "Ann at home")
    unreachable = make_conninfo(**{**conninfo_to_dict(personal_url), "port": "1"})
    server = build_server(settings.model_copy(update={"member_id": member, "database_url": SecretStr(unreachable)}))
    args = {
        **BRAND_POST,
        "persona": "brand_operator",
        "company_name": "acme",
        "when": tomorrow_at_nine(),
        "ai_draft": "We are thrilled to announce that Acme 2.0 is now available for everyone!",
    }
    async with asking_client(server, user_says("accept", [])) as client:
        bad_language = await client.call_tool("post_for_company", {**args, "language": "es_ES"})
        posts_after_bad = len(company_posts(acme))
        done = structured(await client.call_tool("post_for_company", args))
    assert "'es_ES' is not a language code" in error_of(bad_language)[0]
    assert posts_after_bad == 0
    assert done["step"] == "scheduled" and len(company_posts(acme)) == 1
    assert "the edit was not learned" in done["note"]

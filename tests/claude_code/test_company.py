"""`/psn:company` posting as a brand persona, and `/psn:approve`, in the real Claude Code.

Ana's workspace creates the company Acme (a hub of its own on her embedded server) and connects its X
account with the real `psn` commands; Ann joins as a contributor and submits a post. A brand post goes to
the company hub (never Ana's personal hub) once the user says yes to psn's question; Ana approves Ann's
post as reviewed (its content_hash), again only on her yes. The user's answers are played by an
Elicitation hook, and the write tools run only because the user allowed them (``--allowedTools``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from psn_core.config import Settings
from psn_core.hub.database import Hub
from psn_core.services.company import approvals, invites
from psn_core.services.company.hubs import CompanyHub, member_transaction, read_connection
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.cli_runner import clean_env, run_psn
from tests.support.fake_model import full_tool_name
from tests.support.platform_env import approve

BRAND_TEXT = "Acme 2.0 is out: imports in seconds, not minutes."


YES = [{"action": "accept", "content": {"confirm": True}}]  # the user's answer to psn's question
NO = [{"action": "decline"}]


@pytest.fixture
def acme(workspace: Path, settings: Settings) -> Iterator[CompanyHub]:
    """Acme on Ana's embedded server, Ana its admin, its X account connected (the real commands)."""
    created = run_psn(workspace, "company", "create", "acme", "--display-name", "Acme", timeout=120).stdout
    assert "you are its admin" in created, created
    proc = subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", "auth", "x", "--company", "acme", "--paste"],
        cwd=workspace,
        env=clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = ""
    while not url:
        line = proc.stdout.readline()
        assert line, "psn auth printed no URL"
        url = line.strip() if line.strip().startswith("http") else ""
    _out, err = proc.communicate(approve(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    hub = CompanyHub.open(settings, "acme")
    yield hub
    hub.close()


def company_targets(acme: CompanyHub) -> list[dict[str, Any]]:
    with acme.hub.owner() as conn:
        rows = conn.execute(
            "SELECT t.status, p.persona, t.rendering->'parts'->0->>'text' AS text"
            " FROM posts p JOIN post_targets t ON t.post_id = p.id ORDER BY p.created_at"
        )
        return list(rows.fetchall())


def personal_posts(hub: Hub) -> int:
    with hub.owner() as conn:
        found = conn.execute("SELECT count(*) AS n FROM posts").fetchone()
        return int(found["n"]) if found else -1


def test_a_brand_post_goes_to_the_company_hub_on_the_users_yes(
    workspace: Path, hub: Hub, acme: CompanyHub, tmp_path: Path
) -> None:
    when = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d 09:00")  # the zone does not matter: a day ahead
    arguments = f'post acme "{BRAND_TEXT}" --to x --at "{when}"'
    run = run_claude(
        workspace,
        f"/psn:company {arguments}",
        steps=[
            [tool_use("list_companies")],
            [
                tool_use(
                    "post_for_company",
                    accounts=["x"],
                    text=BRAND_TEXT,
                    when=when,
                    persona="brand_ambassador-acme",
                    company_name="acme",
                )
            ],
            lambda convo: [text(convo.tool_result("post_for_company")["note"])],
        ],
        allowed_tools=[full_tool_name("post_for_company")],
        user_answers=YES,
    )
    run.assert_command("company", arguments)
    assert run.permission_denials == []
    answer = run.tool_result("post_for_company")
    assert answer["step"] == "scheduled" and "In Acme's hub" in answer["note"]
    (question,) = run.elicitations
    assert "Posting as: Ana for Acme on X (@" in str(question["message"])
    assert f"part 1: {BRAND_TEXT}" in str(question["message"])
    assert company_targets(acme) == [{"status": "scheduled", "persona": "brand-operator-acme", "text": BRAND_TEXT}]
    assert personal_posts(hub) == 0


def test_approve_lists_then_approves_the_reviewed_version_on_the_users_yes(
    workspace: Path, settings: Settings, acme: CompanyHub, tmp_path: Path
) -> None:
    with member_transaction(acme.hub, acme.who) as conn:
        invite = invites.create_invite(conn, utcnow(), role="contributor", this_machine=True)
    ann, _role = invites.redeem_invite(invite.hub, invite.code, display_name="Ann", timezone="Europe/Madrid")
    assert ann.conninfo is not None
    mine = read_connection(workspace, "acme")
    ann_connection = mine.model_copy(
        update={"app_conninfo": SecretStr(ann.conninfo), "member_id": ann.member_id, "owner_conninfo": None}
    )
    with CompanyHub(settings, ann_connection) as as_ann:
        submitted = approvals.post_for_company(
            as_ann,
            ["x"],
            [PartInput(text="Our launch is live")],
            resolve(utcnow() + timedelta(hours=3), "UTC", utcnow()),
            lambda *_: "unused",
            media_dir=tmp_path / "media",
            media_host=None,
        )
    assert submitted.status == "pending_approval"
    post = str(submitted.post.id)

    steps = [
        [tool_use("list_pending_approvals")],
        lambda convo: [
            tool_use(
                "approve_post",
                post=post[:8],
                content_hash=convo.tool_result("list_pending_approvals")["pending"][0]["content_hash"],
            )
        ],
        lambda convo: [text(f"Step: {convo.tool_result('approve_post')['step']}.")],
    ]
    allow = [full_tool_name("approve_post")]
    declined = run_claude(workspace, f"/psn:approve approve {post[:8]}", steps, allowed_tools=allow, user_answers=NO)
    assert declined.tool_result("approve_post")["step"] == "declined"
    assert [t["status"] for t in company_targets(acme)] == ["pending_approval"]

    approved = run_claude(workspace, f"/psn:approve approve {post[:8]}", steps, allowed_tools=allow, user_answers=YES)
    approved.assert_command("approve", f"approve {post[:8]}")
    assert approved.permission_denials == []
    listed = approved.tool_result("list_pending_approvals")["pending"]
    assert [(p["author"], p["targets"][0]["text"]) for p in listed] == [("Ann", "Our launch is live")]
    answer = approved.tool_result("approve_post")
    assert answer["step"] == "approved" and answer["approved"]["context"] == ["Posting as: Ana for Acme on X"]
    (question,) = approved.elicitations
    assert "(written by Ann)" in str(question["message"]) and "part 1: Our launch is live" in str(question["message"])
    assert [t["status"] for t in company_targets(acme)] == ["scheduled"]

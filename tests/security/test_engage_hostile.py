"""The engagement tables probed as a hostile would, with raw SQL on their own connections. The admin of a
company hub has an opportunity in their inbox and a confirmed reply waiting for their worker. A contributor,
a member the admin removed, and anyone holding only the hub's runtime password (an old invite's address) try
to read them, rewrite the reply before it goes out, queue a reply of their own in the admin's name, take the
reply's lease, change the inbox and its cursors. Every attempt must fail and leave everything as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from psn_core.platforms.engagement import Inbound
from psn_core.services.company.members import member_transaction
from psn_core.services.engage import inbox
from psn_core.strategy.engagement import Engagement
from psn_core.timefmt import utcnow
from tests.integration.test_company_members import Company
from tests.support.hubs import HOSTILES, try_attack

pytestmark = pytest.mark.pg

Params = Callable[[dict[str, Any], uuid.UUID], list[Any]]
ATTACKS: dict[str, tuple[str, Params]] = {
    "rewrite the reply": (
        "UPDATE engagement_replies SET text = 'buy my course' WHERE id = %s",
        lambda ids, me: [ids["reply"]],
    ),
    "point the reply elsewhere": (
        "UPDATE engagement_replies SET in_reply_to = '1' WHERE id = %s",
        lambda ids, me: [ids["reply"]],
    ),
    "forge a reply in the admin's name": (
        "INSERT INTO engagement_replies (member_id, opportunity_id, account_id, platform, in_reply_to, author_id,"
        " text, idempotency_key, confirmed_at) SELECT member_id, id, account_id, platform, remote_id, author_id,"
        " 'spam', 'forged', now() FROM engagement_opportunities WHERE id = %s",
        lambda ids, me: [ids["spare"]],
    ),
    "take the reply's lease": (
        "DELETE FROM engagement_reply_leases WHERE reply_id = %s",
        lambda ids, me: [ids["reply"]],
    ),
    "triage the inbox": (
        "UPDATE engagement_opportunities SET state = 'no' WHERE id = %s",
        lambda ids, me: [ids["spare"]],
    ),
    "plant an opportunity on the admin's account": (
        "INSERT INTO engagement_opportunities (member_id, account_id, platform, remote_id, source, author_id,"
        " author_handle, text, addressed, score, said_at, found_at, expires_at)"
        " SELECT member_id, account_id, platform, 'planted', 'mentions', '1', 'x', 'hi', true, 1, now(), now(),"
        " now() + interval '1 day' FROM engagement_opportunities WHERE id = %s",
        lambda ids, me: [ids["spare"]],
    ),
    "move the sweep's cursor": (
        "UPDATE engagement_sources SET since_id = '999999999999999999' WHERE account_id = %s",
        lambda ids, me: [ids["account"]],
    ),
}


@pytest.fixture
def ids(attacked_acme: Company) -> dict[str, Any]:
    """The admin's two opportunities (one answered by a confirmed reply), its lease and the sweep cursor."""
    now = utcnow()
    with member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        account = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'x', 'acme', '42')"
            " RETURNING id",
            [attacked_acme.admin.member_id],
        ).fetchone()
        assert account is not None
        items = [
            Inbound(
                remote_id=str(n),
                source="mentions",
                text=f"@acme hello {n}",
                author_id="7",
                author_handle="fan",
                created_at=now,
                addressed=True,
            )
            for n in (101, 102)
        ]
        first, spare = inbox.record(
            conn, attacked_acme.admin.member_id, account["id"], "x", items, Engagement(), [], now
        )
        reply = conn.execute(
            "INSERT INTO engagement_replies (member_id, opportunity_id, account_id, platform, in_reply_to, author_id,"
            " text, idempotency_key, confirmed_at) VALUES (%s, %s, %s, 'x', '101', '7', 'Thanks!', 'reply:1', now())"
            " RETURNING id",
            [attacked_acme.admin.member_id, first, account["id"]],
        ).fetchone()
        assert reply is not None
        conn.execute("INSERT INTO engagement_reply_leases (reply_id) VALUES (%s)", [reply["id"]])
        conn.execute(
            "INSERT INTO engagement_sources (account_id, source, since_id) VALUES (%s, 'mentions', '102')",
            [account["id"]],
        )
    return {"account": account["id"], "first": first, "spare": spare, "reply": reply["id"]}


def _snapshot(attacked_acme: Company) -> list[Any]:
    with attacked_acme.hub.owner() as conn:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608 - fixed table names
            for table in (
                "engagement_opportunities",
                "engagement_replies",
                "engagement_reply_leases",
                "engagement_sources",
            )
        ]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_touch_the_admins_engagement(
    attacked_acme: Company, ids: dict[str, Any], who: str, attack: str
) -> None:
    before = _snapshot(attacked_acme)
    assert all(before), "the admin's rows exist"
    statement, params = ATTACKS[attack]
    try_attack(
        attacked_acme,
        who,
        attack,
        statement,
        params(ids, attacked_acme.ann.member_id),
        lambda: _snapshot(attacked_acme),
    )


def test_a_contributor_sees_nothing_of_the_admins_inbox(attacked_acme: Company, ids: dict[str, Any]) -> None:
    with member_transaction(attacked_acme.hub, attacked_acme.ann) as conn:
        for table in (
            "engagement_opportunities",
            "engagement_replies",
            "engagement_reply_leases",
            "engagement_sources",
        ):
            row = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()  # noqa: S608 - fixed names
            assert row is not None and row["n"] == 0, table
    with member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        row = conn.execute("SELECT count(*) AS n FROM engagement_opportunities").fetchone()
        assert row is not None and row["n"] == 2  # the same query sees the owner's rows: RLS, not an empty table

"""Removing an account, attacked: another member of the same hub tries to remove my account, through the
service and with raw SQL on their own connection (forget my tokens, mark my account disconnected). In a
company hub a contributor tries the same on the account the admin connected. Every attempt must fail
and leave the account active with its tokens."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

import pytest

from psn_core.errors import AccountNotFound
from psn_core.hub.database import Hub
from psn_core.services.accounts.removal import remove_account
from psn_core.services.company.members import member_transaction
from tests.integration.test_company_members import _connect_account, make_company
from tests.support.hubs import HubEnv, new_member

pytestmark = pytest.mark.pg
UTC_ZONE = ZoneInfo("UTC")


def _account_with_token(hub: Hub, member: uuid.UUID, handle: str) -> uuid.UUID:
    with hub.transaction(member) as conn:
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'x', %s, %s) RETURNING id",
            [member, handle, f"r-{handle}"],
        ).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO oauth_tokens (account_id, member_id, access_token_enc) VALUES (%s, %s, '\\x00')",
            [row["id"], member],
        )
        return uuid.UUID(str(row["id"]))


def _state(hub: Hub, account: uuid.UUID) -> tuple[str, int]:
    with hub.owner() as conn:
        status = conn.execute("SELECT status FROM accounts WHERE id = %s", [account]).fetchone()
        tokens = conn.execute("SELECT count(*) AS n FROM oauth_tokens WHERE account_id = %s", [account]).fetchone()
    assert status is not None and tokens is not None
    return status["status"], tokens["n"]


def test_another_member_cannot_remove_my_account_in_my_hub(hub_env: HubEnv) -> None:
    ana, mallory = new_member(hub_env.hub, "Ana"), new_member(hub_env.hub, "Mallory")
    account = _account_with_token(hub_env.hub, ana, "ana")
    with hub_env.hub.transaction(mallory) as conn, pytest.raises(AccountNotFound):
        remove_account(conn, mallory, "x", "@ana", cancel_pending=True, zone=UTC_ZONE)
    with hub_env.hub.transaction(mallory) as conn:
        deleted = conn.execute("DELETE FROM oauth_tokens WHERE account_id = %s", [account]).rowcount
        updated = conn.execute("UPDATE accounts SET status = 'disconnected' WHERE id = %s", [account]).rowcount
    assert (deleted, updated) == (0, 0)
    assert _state(hub_env.hub, account) == ("active", 1)
    with hub_env.hub.transaction(ana) as conn:  # the owner can
        removed = remove_account(conn, ana, "x", None, cancel_pending=False, zone=UTC_ZONE)
    assert removed.tokens_deleted and _state(hub_env.hub, account) == ("disconnected", 0)


def test_a_contributor_cannot_remove_the_company_account_an_admin_connected(hub_env: HubEnv) -> None:
    attacked_acme = make_company(hub_env)
    _connect_account(attacked_acme)
    with member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        row = conn.execute("SELECT id FROM accounts WHERE handle = 'acme'").fetchone()
        assert row is not None
        account = uuid.UUID(str(row["id"]))
        conn.execute(
            "INSERT INTO oauth_tokens (account_id, member_id, access_token_enc) VALUES (%s, %s, '\\x00')",
            [account, attacked_acme.admin.member_id],
        )
    for hostile in (attacked_acme.ann, attacked_acme.editor):
        with member_transaction(attacked_acme.hub, hostile) as conn, pytest.raises(AccountNotFound):
            remove_account(conn, hostile.member_id, "x", "acme", cancel_pending=True, zone=UTC_ZONE)
        with member_transaction(attacked_acme.hub, hostile) as conn:
            assert conn.execute("DELETE FROM oauth_tokens WHERE account_id = %s", [account]).rowcount == 0
            assert conn.execute("UPDATE accounts SET status = 'disconnected' WHERE id = %s", [account]).rowcount == 0
    assert _state(attacked_acme.hub, account) == ("active", 1)

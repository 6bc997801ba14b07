"""Row-level security as the runtime role psn_app: one member never sees or touches another's rows."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from psn_core.crypto import load_keyring
from psn_core.hub.audit import member_tables
from psn_core.hub.vault import set_secret
from tests.support.hubs import HubEnv, new_member

pytestmark = pytest.mark.pg

MEMBER_TABLES = ("members", "accounts", "oauth_tokens", "secrets", "settings_kv")


def _seed(env: HubEnv, member_id: uuid.UUID) -> uuid.UUID:
    """One row for the member in every member-data table; returns the account id."""
    ring = load_keyring(env.settings)
    with env.hub.transaction(member_id) as conn:
        account = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'x', %s, %s) RETURNING id",
            [member_id, f"h{member_id.hex[:6]}", member_id.hex],
        ).fetchone()
        assert account is not None
        conn.execute(
            "INSERT INTO oauth_tokens (account_id, member_id, access_token_enc) VALUES (%s, %s, %s)",
            [account["id"], member_id, ring.encrypt("tok", f"oauth_tokens.access_token:{account['id']}")],
        )
        set_secret(conn, ring, member_id, "waha_api_key", "secret-value-123456")
        conn.execute("INSERT INTO settings_kv (member_id, key, value) VALUES (%s, 'theme', '\"dark\"')", [member_id])
        return uuid.UUID(str(account["id"]))


@pytest.fixture
def two_members(hub_env: HubEnv) -> tuple[uuid.UUID, uuid.UUID]:
    a, b = new_member(hub_env.hub, "Ana"), new_member(hub_env.hub, "Bo")
    _seed(hub_env, a)
    _seed(hub_env, b)
    return a, b


@pytest.mark.parametrize("table", MEMBER_TABLES)
def test_member_sees_only_own_rows(hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID], table: str) -> None:
    a, b = two_members
    column = "id" if table == "members" else "member_id"
    with hub_env.hub.transaction(a) as conn:
        mine = conn.execute(f"SELECT {column} AS m FROM {table}").fetchall()  # noqa: S608 - fixed names
        theirs = conn.execute(f"SELECT 1 FROM {table} WHERE {column} = %s", [b]).fetchall()  # noqa: S608
    assert mine and all(r["m"] == a for r in mine)
    assert theirs == []


@pytest.mark.parametrize("table", MEMBER_TABLES)
def test_member_cannot_update_or_delete_anothers_rows(
    hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID], table: str
) -> None:
    a, b = two_members
    column = "id" if table == "members" else "member_id"
    touch = "display_name = 'x'" if table == "members" else f"{column} = {column}"
    with hub_env.hub.transaction(a) as conn:
        updated = conn.execute(f"UPDATE {table} SET {touch} WHERE {column} = %s", [b]).rowcount  # noqa: S608
        deleted = conn.execute(f"DELETE FROM {table} WHERE {column} = %s", [b]).rowcount  # noqa: S608
    assert (updated, deleted) == (0, 0)
    with hub_env.hub.transaction(b) as conn:
        still = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()  # noqa: S608
    assert still is not None and still["n"] >= 1


def test_member_cannot_insert_rows_for_another(hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID]) -> None:
    a, b = two_members
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(a) as conn:
        conn.execute("INSERT INTO settings_kv (member_id, key, value) VALUES (%s, 'lang', '\"es\"')", [b])


def test_member_cannot_move_own_row_to_another(hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID]) -> None:
    a, b = two_members
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(a) as conn:
        conn.execute("UPDATE settings_kv SET member_id = %s WHERE member_id = %s", [b, a])


@pytest.mark.parametrize("table", MEMBER_TABLES)
def test_connection_without_member_id_sees_nothing(
    hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID], table: str
) -> None:
    with hub_env.hub.app() as conn:
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
    assert rows == []


def test_member_setting_does_not_leak_to_the_next_transaction(
    hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = two_members
    with hub_env.hub.transaction(a) as conn:
        assert conn.execute("SELECT count(*) AS n FROM accounts").fetchone() == {"n": 1}
    # the same pooled connection, outside any member transaction
    with hub_env.hub.pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM accounts").fetchone() == {"n": 0}


def test_runtime_role_cannot_switch_row_security_off(hub_env: HubEnv, two_members: tuple[uuid.UUID, uuid.UUID]) -> None:
    with hub_env.hub.app() as conn:
        conn.execute("SET row_security = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM accounts")


def test_runtime_role_cannot_disable_rls_or_create_tables(hub_env: HubEnv) -> None:
    with hub_env.hub.app() as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE accounts DISABLE ROW LEVEL SECURITY")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE sneaky (id int)")


def test_every_member_table_has_forced_rls_and_an_app_policy(hub_env: HubEnv) -> None:
    with hub_env.hub.owner() as conn:
        tables = member_tables(conn)
    assert {t.table for t in tables} >= set(MEMBER_TABLES)
    assert [t.table for t in tables if not t.protected] == []


def test_audit_flags_a_new_table_without_rls(hub_env: HubEnv) -> None:
    with hub_env.hub.owner() as conn:
        conn.execute("CREATE TABLE drafts_without_rls (member_id uuid, body text)")
        weak = [t.table for t in member_tables(conn) if not t.protected]
    assert weak == ["drafts_without_rls"]

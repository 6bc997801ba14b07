"""Upgrading a company hub made before login roles (migrations 0009-0011: every member on psn_app with a
member key): `psn company migrate` moves the admin, each member moves with `psn company reconnect`, and
psn_app is shut out when nobody is left on it (or when the admin says --finish)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr

from psn_core.config import Settings
from psn_core.errors import HubUnreachable
from psn_core.hub.database import APP_ROLE, connect
from psn_core.hub.migrate import available_migrations, ensure_app_role, migration_status
from psn_core.services.company import hubs as company
from psn_core.services.company import invites as company_invites
from psn_core.services.company.hubs import CompanyConnection, CompanyHub, write_connection
from psn_core.services.doctor import run_doctor
from psn_core.timefmt import utcnow
from tests.support.hubs import TEST_APP_PASSWORD, PgServer, make_settings

pytestmark = pytest.mark.pg
SLUG = "oldco"


@dataclass
class OldCompany:
    server: PgServer
    database: str
    ada: Settings
    ann: Settings
    bob: Settings

    def owner(self) -> psycopg.Connection[psycopg.rows.DictRow]:
        return connect(self.server.conninfo(self.database), timeout=5, label="owner")


def _migrate_to_0011(conn: psycopg.Connection[psycopg.rows.DictRow], database: str) -> None:
    """What `psn company create` did before 0012: the hub migrated as far as 0011, psn_app let in."""
    ensure_app_role(conn, database, TEST_APP_PASSWORD)
    conn.execute(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.execute("GRANT SELECT ON schema_migrations TO psn_app")
    for migration in available_migrations()[:11]:
        with conn.transaction():
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                [migration.version, migration.name, migration.checksum],
            )


def _old_member(app: str, code: str, name: str) -> tuple[uuid.UUID, str]:
    """Joining the old way: psn_redeem_invite as psn_app, with a member key whose hash the hub keeps."""
    key = f"key-of-{name}-{uuid.uuid4().hex}"
    with psycopg.connect(app, autocommit=True) as conn:
        row = conn.execute(
            "SELECT outcome, new_member FROM psn_redeem_invite(%s, %s, %s, 'UTC')",
            [code, hashlib.sha256(key.encode()).hexdigest(), name],
        ).fetchone()
    assert row is not None and row[0] == "ok"
    return row[1], key


@pytest.fixture
def old(pg_server: PgServer, empty_database: str, tmp_path: Path) -> OldCompany:
    owner = pg_server.conninfo(empty_database)
    app = make_conninfo(owner, user=APP_ROLE, password=TEST_APP_PASSWORD)
    admin_id, admin_key = uuid.uuid4(), "the-admins-old-key"
    with connect(owner, timeout=5, label="owner") as conn:
        _migrate_to_0011(conn, empty_database)
        conn.execute("INSERT INTO hub_info (kind, company_slug, company_name) VALUES ('company', %s, 'Old Co')", [SLUG])
        conn.execute(
            "INSERT INTO members (id, display_name, role, key_hash) VALUES (%s, 'Ada', 'admin', %s)",
            [admin_id, hashlib.sha256(admin_key.encode()).hexdigest()],
        )
        codes = ["ANNA-0000-0001", "BOBB-0000-0002"]
        for code, role in zip(codes, ("editor", "contributor"), strict=True):
            conn.execute(
                "INSERT INTO invites (code_hash, role, created_by, expires_at)"
                " VALUES (%s, %s, %s, now() + interval '1 day')",
                [company_invites.code_hash(code), role, admin_id],
            )
    people: dict[str, Settings] = {}
    for name, (member_id, key), owner_url in (
        ("ada", (admin_id, admin_key), owner),
        ("ann", _old_member(app, codes[0], "Ann"), None),
        ("bob", _old_member(app, codes[1], "Bob"), None),
    ):
        settings = make_settings(tmp_path / name, pg_server.conninfo("postgres"))
        connection = CompanyConnection(
            slug=SLUG, name="Old Co", database=empty_database, app_conninfo=SecretStr(app), member_id=member_id,
            member_key=SecretStr(key), owner_conninfo=SecretStr(owner_url) if owner_url else None,
        )  # fmt: skip
        write_connection(settings.workspace, connection)
        people[name] = settings
    with CompanyHub.open(people["ann"], SLUG) as ann, ann.transaction() as conn:
        conn.execute(
            "INSERT INTO posts (member_id, idea, timezone) VALUES (%s, 'ann draft', 'UTC')", [ann.who.member_id]
        )
    return OldCompany(pg_server, empty_database, people["ada"], people["ann"], people["bob"])


def _ideas(who: Settings) -> set[str]:
    with CompanyHub.open(who, SLUG) as hub, hub.transaction() as conn:
        return {r["idea"] for r in conn.execute("SELECT idea FROM posts")}


def _file(who: Settings) -> str:
    return (who.workspace / "connections" / f"{SLUG}.env").read_text()


def test_an_old_company_hub_moves_to_login_roles_member_by_member(old: OldCompany) -> None:
    done = company.migrate_company(old.ada, SLUG)
    assert done.applied[0] == "0012_member_logins" and done.you_moved
    assert done.waiting == ["Ann", "Bob"] and not done.app_retired
    assert "PSN_MEMBER_KEY" not in _file(old.ada) and "user=psn_app" not in _file(old.ada)
    with CompanyHub.open(old.ada, SLUG) as hub, hub.transaction() as conn:
        assert company.current_role(conn) == "admin"
        assert {m.display_name for m in company.list_members(conn)} == {"Ada", "Ann", "Bob"}
        invite = company_invites.create_invite(conn, utcnow(), this_machine=True)
    with old.owner() as conn:
        assert migration_status(conn).current

    assert _ideas(old.ann) == {"ann draft"}  # not moved yet: psn_app and her key still work
    old_ann = company.read_connection(old.ann.workspace, SLUG)
    assert company.reconnect_company(old.ann, SLUG) is True
    assert "PSN_MEMBER_KEY" not in _file(old.ann) and _ideas(old.ann) == {"ann draft"}
    with CompanyHub(old.ann, old_ann) as stale, stale.transaction() as conn:  # her old key opens nothing now
        assert company.current_role(conn) is None
        assert conn.execute("SELECT count(*) AS n FROM posts").fetchone() == {"n": 0}
    assert company.reconnect_company(old.ann, SLUG) is False

    checks = {c.name: c for c in run_doctor(old.ada).checks}
    identity = checks[f"company {SLUG}: identity"]
    # warn, or fail where psn_app may also connect to another hub (it stays shared until the last one moves)
    assert identity.status in ("warn", "fail") and "Bob" in identity.detail and "reconnect" in (identity.fix or "")

    again = company.migrate_company(old.ada, SLUG)
    assert again.applied == [] and again.waiting == ["Bob"] and not again.app_retired
    finished = company.migrate_company(old.ada, SLUG, finish=True)
    assert finished.app_retired
    with pytest.raises(HubUnreachable, match="CONNECT"):
        _ideas(old.bob)  # psn_app is shut out of the company hub; Bob needs a new invite
    with old.owner() as conn:
        assert conn.execute(
            sql.SQL("SELECT has_database_privilege('psn_app', {}, 'CONNECT') AS c").format(sql.Literal(old.database))
        ).fetchone() == {"c": False}

    newcomer = make_settings(old.ada.workspace.parent / "cy", old.server.conninfo("postgres"))
    joined = company_invites.join_company(newcomer, SLUG, hub_url=invite.hub, code=invite.code, display_name="Cy")
    assert joined.role == "contributor"
    assert str(conninfo_to_dict(company.read_connection(newcomer.workspace, SLUG).app_conninfo.get_secret_value())
               ["user"]).endswith(str(joined.member_id).replace("-", ""))  # fmt: skip


def test_once_every_member_moved_psn_app_is_shut_out_without_finish(old: OldCompany) -> None:
    company.migrate_company(old.ada, SLUG)
    for who in (old.ann, old.bob):
        assert company.reconnect_company(who, SLUG)
    done = company.migrate_company(old.ada, SLUG)
    assert done.waiting == [] and done.app_retired
    assert _ideas(old.ann) == {"ann draft"} and _ideas(old.bob) == set()

"""What tests import to reach a hub: the Postgres server they may create databases on, the settings
of a test workspace, a hub of their own (the fixtures that build these live in tests/conftest.py)
and a new member in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from pydantic import SecretStr

from psn_core.config import Settings
from psn_core.crypto import create_key_file
from psn_core.errors import HubUnreachable, PSNError
from psn_core.hub.database import Conn, Hub, connect
from psn_core.hub.roles import invite_password, scram_verifier
from psn_core.services.company import hubs as company_hubs
from psn_core.services.company import invites as company_invites
from psn_core.services.company.hubs import CompanyConnection, Identity, member_transaction
from psn_core.services.company.members import remove_member
from psn_core.timefmt import utcnow

TEST_APP_PASSWORD = "psn-test-app-password-1234"
TEMPLATE_DB = "psn_test_template"


@dataclass
class PgServer:
    """An owner-level conninfo for a server tests may create databases on."""

    owner_conninfo: str
    label: str

    def conninfo(self, database: str) -> str:
        return make_conninfo(self.owner_conninfo, dbname=database)

    def execute(self, statement: sql.Composable | str, database: str = "postgres") -> None:
        with connect(self.conninfo(database), timeout=10, label=self.label) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str | None = None) -> None:
        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        self.execute(stmt)

    def drop_database(self, name: str) -> None:
        """Drop a database, and the login and group roles of the company hub it was (roles are server-wide)."""
        prefix = None
        try:
            with connect(self.conninfo(name), timeout=10, label=self.label) as conn:
                row = conn.execute("SELECT role_prefix FROM hub_info").fetchone()
                prefix = row["role_prefix"] if row else None
        except (PSNError, psycopg.Error):
            prefix = None
        self.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if prefix:
            with connect(self.conninfo("postgres"), timeout=10, label=self.label) as conn:
                found = conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", [prefix + "_"])
                for role in found.fetchall():
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role["rolname"])))


def make_settings(workspace: Path, owner_conninfo: str, **overrides: object) -> Settings:
    workspace.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {
        "database_url": owner_conninfo,
        "app_password": TEST_APP_PASSWORD,
        "connect_timeout": 5,
    }
    settings = Settings.load(workspace, **{**values, **overrides})
    if settings.master_key is None and not settings.key_path.exists():
        create_key_file(settings.key_path)
    return settings


@dataclass
class HubEnv:
    settings: Settings
    hub: Hub
    database: str
    server: PgServer


@contextmanager
def extra_hub(server: PgServer, template: str, workspace: Path) -> Iterator[HubEnv]:
    """One more migrated hub, as the ``hub_env`` fixture makes them (a company hub beside a personal one)."""
    name = f"psn_t_{uuid.uuid4().hex[:10]}"
    server.create_database(name, template=template)
    server.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
    server.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO psn_app").format(sql.Identifier(name)))
    hub = Hub.open(make_settings(workspace, server.conninfo(name)))
    try:
        yield HubEnv(hub.settings, hub, name, server)
    finally:
        hub.close()
        server.drop_database(name)


def new_member(hub: Hub, name: str = "Member") -> uuid.UUID:
    member_id = uuid.uuid4()
    with hub.transaction(member_id) as conn:
        conn.execute("INSERT INTO members (id, display_name) VALUES (%s, %s)", [member_id, name])
    return member_id


@dataclass
class Company:
    """Acme, a company hub: admin Ada, editor Eve, contributors Ann and Bob (each on their own login role)."""

    env: HubEnv
    admin: Identity
    editor: Identity
    ann: Identity  # contributor
    bob: Identity  # contributor

    @property
    def hub(self) -> Hub:
        return self.env.hub

    def connection_as(self, who: Identity, *, app: str | None = None) -> CompanyConnection:
        """What ``who``'s connections/acme.env holds (``app``: another runtime address, e.g. a dead one)."""
        return CompanyConnection(
            slug="acme", name="Acme", database=self.env.database,
            app_conninfo=SecretStr(app or who.conninfo or self.hub.target.app_conninfo), member_id=who.member_id,
            member_key=SecretStr(who.key) if who.key is not None else None,
        )  # fmt: skip


def join(hub: Hub, admin: Identity, name: str, role: str = "contributor") -> Identity:
    """``name`` joins with an invite the admin made for ``role``."""
    with member_transaction(hub, admin) as conn:
        invite = company_invites.create_invite(conn, utcnow(), role=role, this_machine=True)  # type: ignore[arg-type]
    who, got = company_invites.redeem_invite(invite.hub, invite.code, display_name=name, timezone="Europe/Madrid")
    assert got == role
    return who


def make_company(env: HubEnv) -> Company:
    """``env``'s hub made the company hub Acme, with its members (see :class:`Company`)."""
    with env.hub.owner() as conn:
        admin = company_hubs.init_company_hub(conn, slug="acme", name="Acme", admin_name="Ada", timezone="UTC")
    return Company(
        env, admin, join(env.hub, admin, "Eve", "editor"), join(env.hub, admin, "Ann"), join(env.hub, admin, "Bob")
    )


def connect_account(acme: Company) -> None:
    """The admin connects Acme's X account @acme."""
    with member_transaction(acme.hub, acme.admin) as conn:
        conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'x', 'acme', 'r1')",
            [acme.admin.member_id],
        )


def guess_codes(invite_hub: str, invite_code: str, guesses: list[str]) -> None:
    """Send wrong codes to the hub's join procedure over the invite's own address, each in its own committed
    call. On a server that checks passwords a wrong code never gets this far (the code is the invite role's
    password, refused by SCRAM before the hub sees it); this is how guesses reach the hub's own count there too."""

    address = make_conninfo(invite_hub, password=invite_password(invite_code))
    verifier = scram_verifier("guess-password")
    with psycopg.connect(address, autocommit=True, connect_timeout=5) as conn:
        for guess in guesses:
            conn.execute("CALL public.psn_join(%s, %s, 'Guess', 'UTC', NULL, NULL, NULL, NULL)", [guess, verifier])


def refused_at_the_door(open_session: Callable[[], AbstractContextManager[object]]) -> bool:
    """Whether the hub refuses this hostile's connection outright (since migration 0012 a removed member's
    role cannot log in, and an invite's address opens nothing but the join): then no attack can start."""
    try:
        with open_session():
            return False
    except (HubUnreachable, psycopg.OperationalError):
        return True


Hostile = Callable[[], AbstractContextManager[Conn]]
HOSTILES = ("contributor", "removed member", "invite holder")


def hostile_sessions(hub: Hub, contributor: Identity, removed: Identity) -> dict[str, Hostile]:
    """How each hostile of a company hub opens a session of their own: a contributor and a member the
    admin removed, each on their login role, and anyone holding only the hub's runtime address (what an
    old invite carried: psn_app with no member of its own)."""

    @contextmanager
    def invite_holder() -> Iterator[Conn]:
        with connect(hub.target.app_conninfo, timeout=5, label="company") as conn, conn.transaction():
            yield conn

    return {
        "contributor": lambda: member_transaction(hub, contributor),
        "removed member": lambda: member_transaction(hub, removed),
        "invite holder": invite_holder,
    }


def attacked_company(env: HubEnv, *, x_account: bool = False) -> Company:
    """The company hub an attack test probes: Acme (admin Ada, editor Eve, contributors Ann and Bob) after the
    admin removed Bob, so that Ann is the contributor and Bob the removed member of ``hostile_sessions``;
    ``x_account``: with the admin's X account connected (what drafts and slot claims need)."""
    company = make_company(env)
    if x_account:
        connect_account(company)
    with member_transaction(company.hub, company.admin) as conn:
        remove_member(conn, "Bob", utcnow())
    return company


def hostile_or_refused(company: Company, who: str) -> Hostile | None:
    """How ``who`` (one of HOSTILES) opens a session on an ``attacked_company``, or None once this has asserted
    that the hub refuses them at the door (a removed member's role cannot log in; an invite's address opens
    only the join): then no attack can start, and the test has nothing more to try."""
    hostile = hostile_sessions(company.hub, company.ann, company.bob)[who]
    if who == "contributor":
        return hostile
    assert refused_at_the_door(hostile), f"{who} got in"
    return None


def assert_refused_and_unchanged(
    hostile: Hostile, statement: str, params: Sequence[Any], snapshot: Callable[[], object], what: str
) -> None:
    """Run one attack in the hostile's own transaction and assert it left everything ``snapshot`` reads (on
    the owner's connection) exactly as it was: refused outright (a policy's check, a guard trigger, a missing
    grant raise) or touching no row of another's. ``what`` is the failure's message."""
    before = snapshot()
    try:
        with hostile() as conn:
            conn.execute(statement, params)
    except psycopg.Error as exc:
        if not is_refusal(exc):
            raise  # not the hub refusing: the attack itself is broken (a typo, a wrong column) and proves nothing
    assert snapshot() == before, what


# The SQLSTATEs by which a hub refuses an attack: a missing grant or RLS check (42501), an integrity rule
# (23xxx: a check, a unique key, a foreign key, not null) and a guard trigger's RAISE (P0001).
REFUSALS = ("42501", "P0001")


def is_refusal(exc: psycopg.Error) -> bool:
    """Whether ``exc`` is the hub refusing (see REFUSALS), not an error in the attack's own SQL."""
    state = exc.sqlstate or ""
    return state in REFUSALS or state.startswith("23")


def try_attack(
    company: Company, who: str, what: str, statement: str, params: Sequence[Any], snapshot: Callable[[], object]
) -> None:
    """``who`` tries ``statement`` (the attack named ``what``) on an ``attacked_company``: refused at the door,
    or refused with nothing changed (see ``hostile_or_refused`` and ``assert_refused_and_unchanged``)."""
    hostile = hostile_or_refused(company, who)
    if hostile is not None:
        assert_refused_and_unchanged(hostile, statement, params, snapshot, f"{who} could {what}")

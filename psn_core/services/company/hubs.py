"""Company hubs: opening one from its connection file, creating and migrating one (members and roles
live in company/members, the connection file in company/connection, invite codes in company/invites,
the brand voice in company/brand).

A company hub is a hub database of its own (same migrations and RLS as a personal hub), reached through
``connections/<company>.env``. Each member connects as a login role of their own (migration 0012), which
the hub maps to the member: Postgres authenticates who a connection is, no setting a client writes does.
psn_app never connects to a company hub (members who joined before 0012 do, with their member key, until
they run `psn company reconnect`). Errors: the CompanyError branch of psn_core.errors.
This module re-exports the names of those modules, so ``hubs`` stays the one import of company callers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.errors import CompanyExists, NotPermitted, OwnerCannotCreateRoles
from psn_core.hub import sql
from psn_core.hub.database import APP_ROLE, Conn, Hub, HubTarget, connect, resolve_target
from psn_core.hub.migrate import ensure_database, migrate
from psn_core.hub.roles import new_password, reachable_from_elsewhere, scram_verifier
from psn_core.hub.sql import Queries
from psn_core.masking import registry
from psn_core.services.company.connection import CONNECTIONS_DIR as CONNECTIONS_DIR
from psn_core.services.company.connection import CompanyConnection as CompanyConnection
from psn_core.services.company.connection import Identity as Identity
from psn_core.services.company.connection import check_slug as check_slug
from psn_core.services.company.connection import connection_path as connection_path
from psn_core.services.company.connection import list_connections as list_connections
from psn_core.services.company.connection import new_key as new_key
from psn_core.services.company.connection import pick_company as pick_company
from psn_core.services.company.connection import read_connection as read_connection
from psn_core.services.company.connection import write_connection as write_connection
from psn_core.services.company.members import ADMINS as ADMINS
from psn_core.services.company.members import APPROVERS as APPROVERS
from psn_core.services.company.members import ROLES as ROLES
from psn_core.services.company.members import MemberView as MemberView
from psn_core.services.company.members import Role as Role
from psn_core.services.company.members import current_role as current_role
from psn_core.services.company.members import display_name as display_name
from psn_core.services.company.members import list_members as list_members
from psn_core.services.company.members import login_role_of as login_role_of
from psn_core.services.company.members import member_transaction as member_transaction
from psn_core.services.company.members import remove_member as remove_member
from psn_core.services.company.members import require_role as require_role
from psn_core.services.company.members import resolve_member as resolve_member
from psn_core.services.company.members import set_role as set_role

Q = Queries.load(__package__)


class CompanyHub:
    """One company hub opened from its connection file: the one hub a company command talks to.

    ``hub`` connects as this member's own login role (or, not moved over yet, psn_app with the member key),
    so anything given it (a Publisher, the watchdog, huey's queue connections) acts as this member.
    """

    def __init__(self, settings: Settings, connection: CompanyConnection) -> None:
        self.connection = connection
        app = connection.app_conninfo.get_secret_value()
        # A member without the owner URL gets their runtime role for owner() too: they never hold the owner role.
        owner = connection.owner_conninfo.get_secret_value() if connection.owner_conninfo else app
        key = connection.member_key.get_secret_value() if connection.member_key is not None else None
        role = APP_ROLE if key is not None else login_role_of(app)
        label = f"company hub {connection.slug!r}"
        target = HubTarget(owner, app, label, embedded=False, database=connection.database, app_role=role)
        self.hub = Hub(settings, target, member_key=key)

    @classmethod
    def open(cls, settings: Settings, slug: str) -> CompanyHub:
        """Raises CompanyNotFound. Connections open lazily; an unreachable hub fails within the timeout."""
        return cls(settings, read_connection(settings.workspace, slug))

    @property
    def name(self) -> str:
        return self.connection.name

    @property
    def who(self) -> Identity:
        return self.connection.identity

    @contextmanager
    def transaction(self) -> Iterator[Conn]:
        """Raises HubUnreachable (fast, naming the company) when the hub cannot be reached."""
        with self.hub.transaction(self.who.member_id) as conn:
            yield conn

    def close(self) -> None:
        self.hub.close()

    def __enter__(self) -> CompanyHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def company_settings(settings: Settings, connection: CompanyConnection) -> Settings:
    """The workspace's settings pointed at a company hub (for its worker and its publish queue, which
    lives in the company hub: never in the workspace's own Redis, which other members cannot reach)."""
    app = connection.app_conninfo
    return settings.model_copy(
        update={
            "database_url": connection.owner_conninfo or app,
            "app_database_url": app,
            "member_id": connection.member_id,
            "queue_url": None,
        }
    )


def posting_context(display_name: str, company: str, platform: str) -> str:
    """The line every company write shows before it happens."""
    return f"Posting as: {display_name} for {company} on {platform}"


# --- creating a company hub ----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberName:
    display_name: str


@dataclass(frozen=True)
class HubInfo:
    company_slug: str | None


def check_can_create_roles(conn: Conn) -> None:
    """Raises OwnerCannotCreateRoles unless the owner connection may create the members' login roles."""
    if not sql.value(conn, Q.can_create_roles):
        who = sql.value(conn, Q.whoami)
        raise OwnerCannotCreateRoles(
            f"The owner role {who!r} cannot create roles (CREATEROLE), and a company hub gives each member "
            "a login role of their own."
        )


def _member_address(conn: Conn, role: str, password: str) -> str:
    """The runtime address of ``role`` on the server and database ``conn`` is connected to."""
    registry.add(password)
    address = make_conninfo(conn.info.dsn, user=role, password=password)
    registry.add(address)
    return address


def create_login(conn: Conn, member_id: UUID) -> Identity:
    """Give ``member_id`` a login role of their own (owner connection); returns their identity with it."""
    password = new_password()
    with conn.transaction():
        role: str = sql.value(conn, Q.create_login, {"member": member_id, "verifier": scram_verifier(password)})
    return Identity(member_id, conninfo=_member_address(conn, role, password))


def init_company_hub(conn: Conn, *, slug: str, name: str, admin_name: str, timezone: str) -> Identity:
    """Mark a migrated hub as company ``slug``, make its roles and its first admin's login role (owner
    connection, which needs CREATEROLE). The admin's password is generated here; the hub gets its verifier.

    Raises:
        CompanyExists: the hub already belongs to a company; OwnerCannotCreateRoles.
    """
    check_can_create_roles(conn)
    admin_id = UUID(bytes=secrets.token_bytes(16), version=4)
    with conn.transaction():
        existing = sql.one(conn, Q.company_slug, None, HubInfo)
        if existing is not None:
            raise CompanyExists(f"This hub already belongs to the company {existing.company_slug!r}.")
        sql.run(conn, Q.mark_company, {"slug": slug, "name": name})
        first = {"id": admin_id, "name": admin_name, "timezone": timezone, "key_hash": None}
        sql.run(conn, Q.insert_admin, first)
        sql.value(conn, Q.company_roles)
    admin = create_login(conn, admin_id)
    _retire_app_role(conn, conn.info.dbname)  # a company hub never lets the shared psn_app in
    return admin


def _retire_app_role(conn: Conn, database: str) -> None:
    """psn_app may no longer connect to this company hub; its open sessions there end."""
    conn.execute(pgsql.SQL("REVOKE CONNECT ON DATABASE {} FROM psn_app").format(pgsql.Identifier(database)))
    conn.execute(Q.end_app_sessions)


class CompanyCreated(BaseModel):
    slug: str
    name: str
    database: str
    hub: str
    member_id: UUID
    connection_file: Path
    migrations_applied: list[str]
    only_this_machine: bool  # the embedded server's unix socket: nobody elsewhere can join


def create_company(
    settings: Settings,
    name: str,
    *,
    admin_name: str,
    display_name: str | None = None,
    owner_url: str | None = None,
) -> CompanyCreated:
    """Create company hub ``name``: a new database next to the personal hub (or at ``owner_url``),
    migrated like any hub, with the caller as its first admin (a login role of their own, whose password
    only ``connections/<name>.env`` holds); never shares a role or password with the personal hub.

    Raises:
        ConfigError: bad name; CompanyExists; OwnerCannotCreateRoles; HubUnreachable, MigrationError.
    """
    slug = check_slug(name)
    path = connection_path(settings.workspace, slug)
    if path.exists():
        raise CompanyExists(f"{path} already exists: this workspace is already connected to {slug!r}.")
    if owner_url:
        owner = owner_url.strip()
        registry.add(owner)
        database = str(conninfo_to_dict(owner).get("dbname") or "postgres")
    else:
        personal = resolve_target(settings)
        database = f"psn_company_{slug.replace('-', '_')}"
        with connect(personal.owner_conninfo, timeout=settings.connect_timeout, label=personal.label) as conn:
            check_can_create_roles(conn)
            if not ensure_database(conn, database):
                raise CompanyExists(f"A database called {database} already exists on {personal.label}.")
        owner = make_conninfo(personal.owner_conninfo, dbname=database)
    label = f"company hub {slug!r}"
    with connect(owner, timeout=settings.connect_timeout, label=label) as conn:
        check_can_create_roles(conn)
        applied = migrate(conn, database=database, app_password=None, grant_app_connect=False)
        _retire_app_role(conn, database)  # a database given by URL may have granted it before
        admin = init_company_hub(
            conn, slug=slug, name=display_name or name, admin_name=admin_name, timezone=settings.timezone
        )
    assert admin.conninfo is not None
    connection = CompanyConnection(
        slug=slug,
        name=display_name or name,
        database=database,
        app_conninfo=SecretStr(admin.conninfo),
        member_id=admin.member_id,
        owner_conninfo=SecretStr(owner),
    )
    written = write_connection(settings.workspace, connection)
    return CompanyCreated(
        slug=slug,
        name=connection.name,
        database=database,
        hub=label,
        member_id=admin.member_id,
        connection_file=written,
        migrations_applied=[f"{m.version:04d}_{m.name}" for m in applied],
        only_this_machine=not reachable_from_elsewhere(owner),
    )


class CompanyMigrated(BaseModel):
    applied: list[str]  # migrations applied by this call
    you_moved: bool  # the admin's own connection moved from psn_app to a login role of their own
    waiting: list[str]  # active members still on psn_app (each runs `psn company reconnect`)
    app_retired: bool  # psn_app can no longer connect to the company hub


def migrate_company(settings: Settings, slug: str, *, finish: bool = False) -> CompanyMigrated:
    """Apply the migrations this psn ships to company hub ``slug`` (after upgrading psn), and move a hub
    made before login roles (0009-0011) over: its roles, the admin's own login role (the connection file is
    rewritten), and, once no active member is left on psn_app (or with ``finish``), psn_app loses CONNECT.
    Needs the hub's owner address, which only the connection file of the admin who created it holds.

    Raises:
        CompanyNotFound; NotPermitted: no owner address here; OwnerCannotCreateRoles; HubUnreachable;
        MigrationError.
    """
    connection = read_connection(settings.workspace, slug)
    if connection.owner_conninfo is None:
        raise NotPermitted(
            f"Only the admin who created {connection.name}'s hub holds its owner address, needed to migrate it.",
            f"Ask them to run `psn company migrate {connection.slug}`.",
        )
    owner = connection.owner_conninfo.get_secret_value()
    moved = False
    with connect(owner, timeout=settings.connect_timeout, label=f"company hub {connection.slug!r}") as conn:
        applied = migrate(conn, database=connection.database, app_password=None, grant_app_connect=False)
        check_can_create_roles(conn)
        with conn.transaction():
            sql.value(conn, Q.company_roles)
        if connection.member_key is not None:
            admin = create_login(conn, connection.member_id)
            assert admin.conninfo is not None
            app = make_conninfo(
                connection.app_conninfo.get_secret_value(),
                user=login_role_of(admin.conninfo),
                password=conninfo_to_dict(admin.conninfo).get("password"),
            )
            registry.add(app)
            update = {"app_conninfo": SecretStr(app), "member_key": None}
            write_connection(settings.workspace, connection.model_copy(update=update))
            moved = True
        waiting = [m.display_name for m in sql.many(conn, Q.members_on_app_role, None, MemberName)]
        retire = finish or not waiting
        if retire:
            _retire_app_role(conn, connection.database)
    return CompanyMigrated(
        applied=[f"{m.version:04d}_{m.name}" for m in applied], you_moved=moved, waiting=waiting, app_retired=retire
    )


def reconnect_company(settings: Settings, slug: str) -> bool:
    """Move this workspace's membership of ``slug`` from psn_app and its member key to a login role of its
    own: the hub checks the key one last time, creates the role (from a verifier: the password stays
    here) and forgets the key; ``connections/<slug>.env`` is rewritten. False when already moved.

    Raises:
        CompanyNotFound; NotPermitted: the key was refused (removed) or the hub is not migrated yet;
        HubUnreachable.
    """
    connection = read_connection(settings.workspace, slug)
    if connection.member_key is None:
        return False
    password = new_password()
    registry.add(password)
    try:
        with CompanyHub(settings, connection) as hub, hub.transaction() as conn:
            role: str = sql.value(conn, Q.reconnect, {"verifier": scram_verifier(password)})
    except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedFunction) as exc:
        raise NotPermitted(
            f"{connection.name}'s hub did not move you over: you were removed, or it is not migrated yet.",
            f"Ask the admin who created it to run `psn company migrate {connection.slug}`, then try again.",
        ) from exc
    app = make_conninfo(connection.app_conninfo.get_secret_value(), user=role, password=password)
    registry.add(app)
    write_connection(
        settings.workspace, connection.model_copy(update={"app_conninfo": SecretStr(app), "member_key": None})
    )
    return True

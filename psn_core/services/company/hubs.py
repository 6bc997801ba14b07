"""Company hubs: opening one from its connection file, creating and migrating one (members and roles
live in company/members, the connection file in company/connection, invite codes in company/invites,
the brand voice in company/brand).

A company hub is a hub database of its own (same migrations, RLS and roles as a personal hub), reached
through ``connections/<company>.env``. Every runtime connection is psn_app; a member acts with their
member id *and* their member key (``psn.member_key``, checked by ``psn_member_role()`` in the hub),
so knowing another member's id is not enough to act as them. Errors: the CompanyError branch of psn_core.errors.
This module re-exports the names of those modules, so ``hubs`` stays the one import of company callers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.errors import CompanyExists, NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import APP_ROLE, Conn, Hub, HubTarget, connect, resolve_target
from psn_core.hub.migrate import ensure_database, migrate
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
from psn_core.services.company.members import member_transaction as member_transaction
from psn_core.services.company.members import remove_member as remove_member
from psn_core.services.company.members import require_role as require_role
from psn_core.services.company.members import resolve_member as resolve_member
from psn_core.services.company.members import set_role as set_role

Q = Queries.load(__package__)


class CompanyHub:
    """One company hub opened from its connection file: the one hub a company command talks to.

    ``hub`` carries the member key, so anything given it (a Publisher, the watchdog) acts as this member.
    """

    def __init__(self, settings: Settings, connection: CompanyConnection) -> None:
        self.connection = connection
        app = connection.app_conninfo.get_secret_value()
        # A member without the owner URL gets psn_app for owner() too: they never hold the owner role.
        owner = connection.owner_conninfo.get_secret_value() if connection.owner_conninfo else app
        target = HubTarget(owner, app, f"company hub {connection.slug!r}", embedded=False, database=connection.database)
        self.hub = Hub(settings, target, member_key=connection.member_key.get_secret_value())

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


class CompanyCreated(BaseModel):
    slug: str
    name: str
    database: str
    hub: str
    member_id: UUID
    connection_file: Path
    migrations_applied: list[str]


@dataclass(frozen=True)
class HubInfo:
    company_slug: str | None


def init_company_hub(conn: Conn, *, slug: str, name: str, admin_name: str, timezone: str) -> Identity:
    """Mark a migrated hub as company ``slug`` and create its first admin (owner connection).

    Raises:
        CompanyExists: the hub already belongs to a company.
    """
    admin = Identity(UUID(bytes=secrets.token_bytes(16), version=4), new_key())
    with conn.transaction():
        existing = sql.one(conn, Q.company_slug, None, HubInfo)
        if existing is not None:
            raise CompanyExists(f"This hub already belongs to the company {existing.company_slug!r}.")
        sql.run(conn, Q.mark_company, {"slug": slug, "name": name})
        first = {"id": admin.member_id, "name": admin_name, "timezone": timezone, "key_hash": admin.key_hash}
        sql.run(conn, Q.insert_admin, first)
    return admin


def _same_server(a: str, b: str) -> bool:
    pa, pb = conninfo_to_dict(a), conninfo_to_dict(b)
    return (pa.get("host"), str(pa.get("port") or 5432)) == (pb.get("host"), str(pb.get("port") or 5432))


def create_company(
    settings: Settings,
    name: str,
    *,
    admin_name: str,
    display_name: str | None = None,
    owner_url: str | None = None,
    app_password: str | None = None,
) -> CompanyCreated:
    """Create company hub ``name``: a new database next to the personal hub (or at ``owner_url``),
    migrated like any hub, with the caller as its first admin; writes ``connections/<name>.env``.

    Raises:
        ConfigError: bad name; CompanyExists; HubUnreachable, MigrationError.
    """
    slug = check_slug(name)
    path = connection_path(settings.workspace, slug)
    if path.exists():
        raise CompanyExists(f"{path} already exists: this workspace is already connected to {slug!r}.")
    personal = resolve_target(settings)
    if owner_url:
        owner = owner_url.strip()
        registry.add(owner)
        database = str(conninfo_to_dict(owner).get("dbname") or "postgres")
        if _same_server(owner, personal.owner_conninfo):
            password = settings.app_password.get_secret_value() if settings.app_password else None
        else:
            password = app_password or secrets.token_urlsafe(24)
    else:
        database = f"psn_company_{slug.replace('-', '_')}"
        with connect(personal.owner_conninfo, timeout=settings.connect_timeout, label=personal.label) as conn:
            if not ensure_database(conn, database):
                raise CompanyExists(f"A database called {database} already exists on {personal.label}.")
        owner = make_conninfo(personal.owner_conninfo, dbname=database)
        password = settings.app_password.get_secret_value() if settings.app_password else None
    label = f"company hub {slug!r}"
    with connect(owner, timeout=settings.connect_timeout, label=label) as conn:
        applied = migrate(conn, database=database, app_password=password)
        admin = init_company_hub(
            conn, slug=slug, name=display_name or name, admin_name=admin_name, timezone=settings.timezone
        )
    app = make_conninfo(owner, user=APP_ROLE, password=password) if password else make_conninfo(owner, user=APP_ROLE)
    connection = CompanyConnection(
        slug=slug,
        name=display_name or name,
        database=database,
        app_conninfo=SecretStr(app),
        member_id=admin.member_id,
        member_key=SecretStr(admin.key),
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
    )


def migrate_company(settings: Settings, slug: str) -> list[str]:
    """Apply the migrations this psn ships to company hub ``slug`` (after upgrading psn). Needs the hub's
    owner address, which only the connection file of the admin who created it holds. Returns the names
    applied (empty when the hub was current).

    Raises:
        CompanyNotFound; NotPermitted: no owner address here; HubUnreachable; MigrationError.
    """
    connection = read_connection(settings.workspace, slug)
    if connection.owner_conninfo is None:
        raise NotPermitted(
            f"Only the admin who created {connection.name}'s hub holds its owner address, needed to migrate it.",
            f"Ask them to run `psn company migrate {connection.slug}`.",
        )
    owner = connection.owner_conninfo.get_secret_value()
    with connect(owner, timeout=settings.connect_timeout, label=f"company hub {connection.slug!r}") as conn:
        applied = migrate(conn, database=connection.database, app_password=None)
    return [f"{m.version:04d}_{m.name}" for m in applied]

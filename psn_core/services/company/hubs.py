"""Company hubs: creating one, its members and roles, the connection file (invite codes live in
company_invites, the brand voice in company_brand).

A company hub is a hub database of its own (same migrations, RLS and roles as a personal hub), reached
through ``connections/<company>.env``. Every runtime connection is psn_app; a member acts with their
member id *and* their member key (``psn.member_key``, checked by ``psn_member_role()`` in the hub),
so knowing another member's id is not enough to act as them. Roles are enforced by the hub's RLS
policies (migration 0009); the checks here only turn refusals into clear sentences.

Errors raised here (psn_core.errors holds the tree): the CompanyError branch (CompanyExists,
NotPermitted, InviteRejected, InviteRateLimited) and CompanyNotFound (a NotFound).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

import psycopg
from dotenv import dotenv_values
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.errors import CompanyExists, CompanyNotFound, ConfigError, NotPermitted
from psn_core.hub.database import APP_ROLE, Conn, Hub, HubTarget, connect, resolve_target
from psn_core.hub.migrate import ensure_database, migrate
from psn_core.masking import registry
from psn_core.workspace import set_env_values, write_private

CONNECTIONS_DIR = "connections"
ROLES = ("admin", "editor", "contributor")
ADMINS = ("owner", "admin")
APPROVERS = ("owner", "admin", "editor")
Role = Literal["admin", "editor", "contributor"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


# --- identity ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who acts in a company hub: the member id and the secret key the hub checks."""

    member_id: UUID
    key: str

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(32)


@contextmanager
def member_transaction(hub: Hub, who: Identity) -> Iterator[Conn]:
    """A transaction in a company hub acting as ``who`` (member id and key both set)."""
    with hub.transaction(who.member_id) as conn:
        conn.execute("SELECT set_config('psn.member_key', %s, true)", [who.key])
        yield conn


def current_role(conn: Conn) -> str | None:
    """The caller's role in this hub, or None when not an active member (removed, wrong key)."""
    row = conn.execute("SELECT psn_member_role() AS role").fetchone()
    return None if row is None else row["role"]


def require_role(conn: Conn, allowed: tuple[str, ...], doing: str) -> str:
    """Raises NotPermitted unless the caller's role is one of ``allowed``; returns the role."""
    role = current_role(conn)
    if role is None:
        raise NotPermitted(f"You are not an active member of this company hub, so you cannot {doing}.")
    if role not in allowed:
        raise NotPermitted(f"Your role is {role}; only {' or '.join(r for r in allowed if r != 'owner')} can {doing}.")
    return role


def check_slug(name: str) -> str:
    """Raises ConfigError unless ``name`` is a company name usable in file and database names."""
    slug = name.strip().lower()
    if not _SLUG.match(slug):
        raise ConfigError(
            f"{name!r} is not a company name psn can use.",
            "Use lower-case letters, digits and dashes, starting with a letter or digit (acme, acme-eu).",
        )
    return slug


# --- the connection file -------------------------------------------------------------------------


class CompanyConnection(BaseModel):
    """What ``connections/<company>.env`` holds. ``owner_conninfo`` only for the admin who created it."""

    slug: str
    name: str
    database: str
    app_conninfo: SecretStr
    member_id: UUID
    member_key: SecretStr
    owner_conninfo: SecretStr | None = None

    @property
    def identity(self) -> Identity:
        return Identity(self.member_id, self.member_key.get_secret_value())


def connection_path(workspace: Path, slug: str) -> Path:
    return workspace / CONNECTIONS_DIR / f"{check_slug(slug)}.env"


def write_connection(workspace: Path, connection: CompanyConnection) -> Path:
    """Write ``connections/<company>.env`` (mode 0600; gitignored since `psn init`)."""
    path = connection_path(workspace, connection.slug)
    values = {
        "PSN_COMPANY_NAME": connection.name,
        "PSN_COMPANY_DATABASE": connection.database,
        "PSN_APP_DATABASE_URL": connection.app_conninfo.get_secret_value(),
        "PSN_MEMBER_ID": str(connection.member_id),
        "PSN_MEMBER_KEY": connection.member_key.get_secret_value(),
    }
    if connection.owner_conninfo is not None:
        values["PSN_DATABASE_URL"] = connection.owner_conninfo.get_secret_value()
    write_private(path, "# psn company hub connection: secret, never commit\n")
    set_env_values(path, values)
    return path


def read_connection(workspace: Path, slug: str) -> CompanyConnection:
    """Raises CompanyNotFound when there is no connection file for ``slug`` (or it is incomplete)."""
    path = connection_path(workspace, slug)
    if not path.exists():
        raise CompanyNotFound(f"This workspace has no connection to a company called {slug!r}.")
    values = {k: v for k, v in dotenv_values(path).items() if v}
    try:
        connection = CompanyConnection(
            slug=slug,
            name=values["PSN_COMPANY_NAME"],
            database=values["PSN_COMPANY_DATABASE"],
            app_conninfo=SecretStr(values["PSN_APP_DATABASE_URL"]),
            member_id=UUID(values["PSN_MEMBER_ID"]),
            member_key=SecretStr(values["PSN_MEMBER_KEY"]),
            owner_conninfo=SecretStr(values["PSN_DATABASE_URL"]) if "PSN_DATABASE_URL" in values else None,
        )
    except (KeyError, ValueError) as exc:
        raise CompanyNotFound(f"{path} is incomplete ({exc}).", "Join the company again to rewrite it.") from exc
    registry.add(connection.app_conninfo.get_secret_value(), connection.member_key.get_secret_value())
    if connection.owner_conninfo is not None:
        registry.add(connection.owner_conninfo.get_secret_value())
    return connection


def list_connections(workspace: Path) -> list[str]:
    folder = workspace / CONNECTIONS_DIR
    return sorted(p.stem for p in folder.glob("*.env")) if folder.exists() else []


def pick_company(workspace: Path, name: str | None) -> str:
    """The company a command means: ``name``, or the only one this workspace is connected to.

    Raises:
        CompanyNotFound: no name given and none or several connections.
    """
    if name:
        return check_slug(name)
    names = list_connections(workspace)
    if len(names) == 1:
        return names[0]
    if names:
        raise CompanyNotFound(f"This workspace is connected to several companies ({', '.join(names)}): say which.")
    raise CompanyNotFound("This workspace is not connected to any company.")


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


def init_company_hub(conn: Conn, *, slug: str, name: str, admin_name: str, timezone: str) -> Identity:
    """Mark a migrated hub as company ``slug`` and create its first admin (owner connection).

    Raises:
        CompanyExists: the hub already belongs to a company.
    """
    admin = Identity(UUID(bytes=secrets.token_bytes(16), version=4), new_key())
    with conn.transaction():
        existing = conn.execute("SELECT company_slug FROM hub_info").fetchone()
        if existing is not None:
            raise CompanyExists(f"This hub already belongs to the company {existing['company_slug']!r}.")
        conn.execute("INSERT INTO hub_info (kind, company_slug, company_name) VALUES ('company', %s, %s)", [slug, name])
        conn.execute(
            "INSERT INTO members (id, display_name, timezone, role, key_hash) VALUES (%s, %s, %s, 'admin', %s)",
            [admin.member_id, admin_name, timezone, admin.key_hash],
        )
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
        admin = init_company_hub(conn, slug=slug, name=display_name or name, admin_name=admin_name,
                                 timezone=settings.timezone)  # fmt: skip
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


# --- members -------------------------------------------------------------------------------------


class MemberView(BaseModel):
    id: UUID
    display_name: str
    role: str
    timezone: str
    created_at: datetime
    removed_at: datetime | None


def list_members(conn: Conn, *, include_removed: bool = False) -> list[MemberView]:
    """The roster as the caller may see it (admins and editors: everyone; contributors: themselves)."""
    rows = conn.execute(
        "SELECT id, display_name, role, timezone, created_at, removed_at FROM members"
        " WHERE %s OR removed_at IS NULL ORDER BY created_at, display_name",
        [include_removed],
    ).fetchall()
    return [MemberView.model_validate(r) for r in rows]


def resolve_member(conn: Conn, ref: str) -> MemberView:
    """A member by id, id prefix (6+ characters) or exact display name.

    Raises:
        NotPermitted: no such member visible to the caller, or several match.
    """
    cleaned = ref.strip()
    rows = conn.execute(
        "SELECT id, display_name, role, timezone, created_at, removed_at FROM members"
        " WHERE lower(display_name) = lower(%s) OR (length(%s) >= 6 AND id::text LIKE %s) LIMIT 2",
        [cleaned, cleaned, cleaned.lower().replace("%", "").replace("_", "") + "%"],
    ).fetchall()
    if len(rows) != 1:
        raise NotPermitted(f"{ref!r} {'matches several members' if rows else 'names no member you can see'}.")
    return MemberView.model_validate(rows[0])


def _admin_update(conn: Conn, sql_text: str, params: list[object], doing: str) -> None:
    try:
        with conn.transaction():
            changed = conn.execute(sql_text, params).rowcount
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotPermitted(f"The company hub refused to {doing}: only an admin can.") from exc
    if changed != 1:
        raise NotPermitted(f"The company hub refused to {doing}: only an admin can.")


def _check_not_last_admin(conn: Conn, member: MemberView) -> None:
    if member.role not in ADMINS:
        return
    row = conn.execute(
        "SELECT count(*) AS n FROM members WHERE role IN ('owner', 'admin') AND removed_at IS NULL"
    ).fetchone()
    if row is not None and int(row["n"]) <= 1:
        raise NotPermitted(f"{member.display_name} is the last admin.", "Make someone else an admin first.")


def set_role(conn: Conn, member_ref: str, role: Role) -> MemberView:
    """Change a member's role (admins only; enforced by the hub).

    Raises:
        NotPermitted: not an admin, unknown member, or it would leave the company without an admin.
    """
    require_role(conn, ADMINS, "change roles")
    if role not in ROLES:
        raise ConfigError(f"{role!r} is not a role: use admin, editor or contributor.")
    member = resolve_member(conn, member_ref)
    if role not in ADMINS:
        _check_not_last_admin(conn, member)
    _admin_update(conn, "UPDATE members SET role = %s, updated_at = now() WHERE id = %s", [role, member.id],
                  "change a role")  # fmt: skip
    return resolve_member(conn, str(member.id))


def remove_member(conn: Conn, member_ref: str, now: datetime) -> MemberView:
    """Remove a member: from the next query on, their connection reads and writes nothing.

    Raises:
        NotPermitted: not an admin, unknown member, or the last admin.
    """
    require_role(conn, ADMINS, "remove members")
    member = resolve_member(conn, member_ref)
    if member.removed_at is not None:
        return member
    _check_not_last_admin(conn, member)
    _admin_update(conn, "UPDATE members SET removed_at = %s, updated_at = now() WHERE id = %s", [now, member.id],
                  "remove a member")  # fmt: skip
    return resolve_member(conn, str(member.id))

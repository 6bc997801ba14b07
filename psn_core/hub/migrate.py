"""Plain numbered SQL migrations, applied in order under an advisory lock, recorded with a checksum.

Files live in ``psn_core/hub/migrations`` as ``NNNN_name.sql``. Each runs in its own transaction as the
owner role together with its ``schema_migrations`` row. An applied migration whose file changed is an
error (:class:`MigrationChecksumMismatch`), never a silent skip; a migration recorded in the hub but
unknown to this psn is :class:`MigrationMissing`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib.resources import files

from psycopg import sql

from psn_core.errors import MigrationChecksumMismatch, MigrationError, MigrationMissing
from psn_core.hub.database import APP_ROLE, Conn

# pg_advisory_lock key: "psnmigr" as a number; any constant works as long as every psn uses it.
LOCK_KEY = 0x7073_6E6D_6967_72
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    checksum: str


@dataclass
class MigrationStatus:
    applied: list[int] = field(default_factory=list)
    pending: list[Migration] = field(default_factory=list)
    mismatched: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return not (self.pending or self.mismatched or self.unknown)


def checksum(text: str) -> str:
    """sha256 of the file with line endings normalised (a CRLF checkout is not an edit)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def available_migrations() -> list[Migration]:
    """The migrations shipped with this psn, in order.

    Raises:
        MigrationError: two files share a number, or numbers have a gap.
    """
    found: list[Migration] = []
    for entry in files("psn_core.hub").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if not match:
            continue
        text = entry.read_text("utf-8")
        found.append(Migration(int(match.group(1)), match.group(2), text, checksum(text)))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"Migration numbering is broken at {migration.version:04d} (expected {expected:04d}).")
    return found


_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def _recorded(conn: Conn) -> dict[int, str]:
    exists = conn.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok").fetchone()
    if not exists or not exists["ok"]:
        return {}
    return {r["version"]: r["checksum"] for r in conn.execute("SELECT version, checksum FROM schema_migrations")}


def migration_status(conn: Conn, migrations: list[Migration] | None = None) -> MigrationStatus:
    """Compare the hub's record with the shipped files (read-only)."""
    migrations = migrations if migrations is not None else available_migrations()
    recorded = _recorded(conn)
    known = {m.version: m for m in migrations}
    status = MigrationStatus()
    for version, digest in sorted(recorded.items()):
        if version not in known:
            status.unknown.append(version)
        elif known[version].checksum != digest:
            status.mismatched.append(version)
        else:
            status.applied.append(version)
    status.pending = [m for m in migrations if m.version not in recorded]
    return status


def lock_database(conn: Conn, database: str) -> None:
    """PUBLIC may not connect to a hub database nor make temp tables in it (a database cloned from a
    template, or restored from a dump, starts with the defaults again: every migrate run says it anew)."""
    conn.execute(sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))


def ensure_app_role(conn: Conn, database: str, password: str | None, *, grant_connect: bool = True) -> None:
    """Create psn_app if missing (never a superuser, never BYPASSRLS), set its password, grant CONNECT
    (personal hubs only: company hubs name psn_app in policies but never let it connect)."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
    if not exists:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION").format(
                sql.Identifier(APP_ROLE)
            )
        )
    if password:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(APP_ROLE), sql.Literal(password)))
    if grant_connect:
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), sql.Identifier(APP_ROLE))
        )
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(APP_ROLE)))


def migrate(conn: Conn, *, database: str, app_password: str | None, grant_app_connect: bool = True) -> list[Migration]:
    """Apply pending migrations as the owner. Safe to run concurrently: one runner at a time.

    In a company hub, the members' group role then gets whatever psn_app got (policies and grants), so a
    migration written for psn_app covers the members' own login roles too (psn_sync_member_grants, 0012).
    Returns the migrations applied by this call (empty when already current).

    Raises:
        MigrationChecksumMismatch: an applied migration file changed.
        MigrationMissing: the hub has migrations this psn does not ship.
    """
    migrations = available_migrations()
    conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        lock_database(conn, database)
        ensure_app_role(conn, database, app_password, grant_connect=grant_app_connect)
        conn.execute(_BOOTSTRAP)
        conn.execute(sql.SQL("GRANT SELECT ON schema_migrations TO {}").format(sql.Identifier(APP_ROLE)))
        status = migration_status(conn, migrations)
        if status.mismatched:
            names = ", ".join(f"{v:04d}" for v in status.mismatched)
            raise MigrationChecksumMismatch(f"Applied migration(s) {names} changed since they were applied.")
        if status.unknown:
            names = ", ".join(f"{v:04d}" for v in status.unknown)
            raise MigrationMissing(f"The hub has migration(s) {names}, which this psn does not know.")
        for migration in status.pending:
            with conn.transaction():
                conn.execute(migration.sql.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    [migration.version, migration.name, migration.checksum],
                )
        sync_member_grants(conn)
        return status.pending
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def sync_member_grants(conn: Conn) -> None:
    """Give a company hub's member group what psn_app has (no-op in personal hubs and before 0012)."""
    found = conn.execute("SELECT to_regprocedure('public.psn_sync_member_grants()') IS NOT NULL AS ok").fetchone()
    if found and found["ok"]:
        with conn.transaction():
            conn.execute("SELECT public.psn_sync_member_grants()")


def ensure_database(conn: Conn, database: str) -> bool:
    """Create ``database`` if missing (embedded hub, company hubs). Returns True when created."""
    row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if row:
        return False
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return True

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

from psycopg.sql import SQL, Identifier, Literal

from psn_core.errors import MigrationChecksumMismatch, MigrationError, MigrationMissing
from psn_core.hub import sql
from psn_core.hub.database import APP_ROLE, Conn
from psn_core.hub.sql import Queries

Q = Queries.load(__package__)

# pg_advisory_lock key: "psnmigr" as a number; any constant works as long as every psn uses it.
LOCK_KEY = 0x7073_6E6D_6967_72
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    checksum: str


@dataclass(frozen=True)
class RecordedMigration:
    """A row of ``schema_migrations``: what the hub says it applied."""

    version: int
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


def _recorded(conn: Conn) -> dict[int, str]:
    if not sql.value(conn, Q.schema_migrations_exists):
        return {}
    return {r.version: r.checksum for r in sql.many(conn, Q.recorded_migrations, None, RecordedMigration)}


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
    conn.execute(SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC").format(Identifier(database)))


def ensure_app_role(conn: Conn, database: str, password: str | None, *, grant_connect: bool = True) -> None:
    """Create psn_app if missing (never a superuser, never BYPASSRLS), set its password, grant CONNECT
    (personal hubs only: company hubs name psn_app in policies but never let it connect)."""
    # Role and database names are identifiers, and DDL takes no parameters: built here, not in queries.sql.
    if sql.value(conn, Q.role_exists, {"role": APP_ROLE}) is None:
        conn.execute(
            SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION").format(
                Identifier(APP_ROLE)
            )
        )
    if password:
        conn.execute(SQL("ALTER ROLE {} PASSWORD {}").format(Identifier(APP_ROLE), Literal(password)))
    if grant_connect:
        conn.execute(SQL("GRANT CONNECT ON DATABASE {} TO {}").format(Identifier(database), Identifier(APP_ROLE)))
    conn.execute(SQL("GRANT USAGE ON SCHEMA public TO {}").format(Identifier(APP_ROLE)))


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
    sql.run(conn, Q.lock_migrations, {"key": LOCK_KEY})
    try:
        lock_database(conn, database)
        ensure_app_role(conn, database, app_password, grant_connect=grant_app_connect)
        sql.run(conn, Q.create_schema_migrations)
        conn.execute(SQL("GRANT SELECT ON schema_migrations TO {}").format(Identifier(APP_ROLE)))
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
                sql.run(
                    conn,
                    Q.record_migration,
                    {"version": migration.version, "name": migration.name, "checksum": migration.checksum},
                )
        sync_member_grants(conn)
        return status.pending
    finally:
        sql.run(conn, Q.unlock_migrations, {"key": LOCK_KEY})


def sync_member_grants(conn: Conn) -> None:
    """Give a company hub's member group what psn_app has (no-op in personal hubs and before 0012)."""
    if sql.value(conn, Q.function_exists, {"signature": "public.psn_sync_member_grants()"}):
        with conn.transaction():
            sql.run(conn, Q.sync_member_grants)


def ensure_database(conn: Conn, database: str) -> bool:
    """Create ``database`` if missing (embedded hub, company hubs). Returns True when created."""
    if sql.value(conn, Q.database_exists, {"database": database}) is not None:
        return False
    conn.execute(SQL("CREATE DATABASE {}").format(Identifier(database)))
    return True

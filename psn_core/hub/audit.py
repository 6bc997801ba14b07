"""Read-only audits of the hub's security: row-level security on member data and the runtime role.

A table is member data unless it is named in :data:`NON_MEMBER_TABLES`: a new table is protected by
default, and forgetting RLS on it fails ``psn doctor`` and the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from psn_core.hub import sql
from psn_core.hub.database import APP_ROLE, Conn
from psn_core.hub.sql import Queries

Q = Queries.load(__package__)

# Tables that hold no member data (bookkeeping). Everything else must have RLS, the worker's queue
# tables included (each member's queue is theirs alone, migration 0013).
NON_MEMBER_TABLES: frozenset[str] = frozenset({"schema_migrations"})


@dataclass(frozen=True)
class TableSecurity:
    table: str
    rls_enabled: bool
    rls_forced: bool
    app_policies: tuple[str, ...]

    @property
    def protected(self) -> bool:
        return self.rls_enabled and self.rls_forced and bool(self.app_policies)


@dataclass(frozen=True)
class RoleSecurity:
    name: str
    exists: bool
    superuser: bool = False
    bypassrls: bool = False
    owns_tables: int = 0

    @property
    def safe(self) -> bool:
        return self.exists and not self.superuser and not self.bypassrls and self.owns_tables == 0


@dataclass(frozen=True)
class _TableRow:
    """A row of ``table_security``."""

    table: str
    enabled: bool
    forced: bool
    policies: list[str]


@dataclass(frozen=True)
class _RoleRow:
    """A row of ``role_security``."""

    rolsuper: bool
    rolbypassrls: bool
    owned: int


def member_tables(conn: Conn) -> list[TableSecurity]:
    """RLS state of every member-data table in the public schema (from pg_class and pg_policies)."""
    rows = sql.many(conn, Q.table_security, {"role": APP_ROLE}, _TableRow)
    return [
        TableSecurity(r.table, r.enabled, r.forced, tuple(r.policies)) for r in rows if r.table not in NON_MEMBER_TABLES
    ]


def runtime_role(conn: Conn) -> RoleSecurity:
    """Attributes of psn_app, and how many public tables it owns (it should own none)."""
    row = sql.one(conn, Q.role_security, {"role": APP_ROLE}, _RoleRow)
    if row is None:
        return RoleSecurity(APP_ROLE, exists=False)
    return RoleSecurity(APP_ROLE, True, row.rolsuper, row.rolbypassrls, int(row.owned))


# What psn_security_audit() (migration 0012) may report, and how bad each is.
FINDINGS: dict[str, tuple[str, str]] = {
    "public_connect": ("fail", "PUBLIC may connect to the hub database"),
    "public_temporary": ("fail", "PUBLIC may create temp tables in the hub database"),
    "public_create": ("fail", "PUBLIC may create objects in schema public"),
    "search_path": ("fail", "function without a fixed search_path"),
    "shared_role": ("fail", "a login role that may also connect to another database"),
    "removed_can_login": ("fail", "a removed member's login role can still log in"),
    "unknown_login": ("fail", "a login role of this hub that belongs to no member"),
    "spent_invite_login": ("fail", "a used or revoked invite's role can still log in"),
    "keyless_member": ("fail", "an active member with neither a login role nor a key"),
    "not_moved_member": ("warn", "an active member still on psn_app (not moved to a login role)"),
}


@dataclass(frozen=True)
class Finding:
    problem: str
    subject: str

    @property
    def severity(self) -> str:
        return FINDINGS.get(self.problem, ("fail", ""))[0]

    @property
    def sentence(self) -> str:
        return f"{FINDINGS.get(self.problem, ('', self.problem))[1]}: {self.subject}"


def identity_findings(conn: Conn) -> list[Finding] | None:
    """What the hub's own audit finds wrong with who may connect and how identity is checked (None before
    migration 0012). Roster findings only for admins and the owner."""
    if not sql.value(conn, Q.function_exists, {"signature": "public.psn_security_audit()"}):
        return None
    return sql.many(conn, Q.security_audit, None, Finding)

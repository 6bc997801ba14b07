"""Read-only audits of the hub's security: row-level security on member data and the runtime role.

A table is member data unless it is named in :data:`NON_MEMBER_TABLES`: a new table is protected by
default, and forgetting RLS on it fails ``psn doctor`` and the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from psn_core.hub.database import APP_ROLE, Conn

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


def member_tables(conn: Conn) -> list[TableSecurity]:
    """RLS state of every member-data table in the public schema (from pg_class and pg_policies)."""
    rows = conn.execute(
        """
        SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
               coalesce(array_agg(p.policyname ORDER BY p.policyname)
                        FILTER (WHERE %(role)s = ANY (p.roles) OR 'public' = ANY (p.roles)), '{}') AS policies
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_policies p ON p.schemaname = n.nspname AND p.tablename = c.relname
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
         ORDER BY c.relname
        """,
        {"role": APP_ROLE},
    ).fetchall()
    return [
        TableSecurity(r["table"], r["enabled"], r["forced"], tuple(r["policies"]))
        for r in rows
        if r["table"] not in NON_MEMBER_TABLES
    ]


def runtime_role(conn: Conn) -> RoleSecurity:
    """Attributes of psn_app, and how many public tables it owns (it should own none)."""
    row = conn.execute(
        """
        SELECT r.rolsuper, r.rolbypassrls,
               (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owned
          FROM pg_roles r WHERE r.rolname = %s
        """,
        [APP_ROLE],
    ).fetchone()
    if row is None:
        return RoleSecurity(APP_ROLE, exists=False)
    return RoleSecurity(APP_ROLE, True, row["rolsuper"], row["rolbypassrls"], int(row["owned"]))

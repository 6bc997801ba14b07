"""`psn doctor`'s checks of each company hub this workspace is connected to (connections/<company>.env).

Each company is checked on its own, one hub at a time, as this workspace's member of it (their own login
role, never the owner role): the connection file is private, the hub answers within the connect timeout,
it is migrated as far as this psn, the runtime role is safe and RLS covers every table, identity is
proven by Postgres (own login role; for admins: no member without a login role, no login role without a
member, no role shared with another database, no PUBLIC CONNECT/TEMP, fixed search_paths), the
membership is still active, the local brand voice matches the hub's, and no scheduled post is overdue on
the accounts this member connected (which would mean their company worker is not running).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Literal

from psn_core.config import Settings
from psn_core.errors import HubUnreachable
from psn_core.hub import sql
from psn_core.hub.audit import identity_findings, member_tables
from psn_core.hub.migrate import migration_status
from psn_core.hub.sql import Queries
from psn_core.services.company.brand import brand_yaml, synced_brand_file
from psn_core.services.company.hubs import (
    CompanyHub,
    connection_path,
    current_role,
    list_connections,
    read_connection,
)
from psn_core.timefmt import utcnow
from psn_core.workspace import private_mode_problem

Status = Literal["ok", "warn", "fail", "skip"]
Add = Callable[[str, Status, str, str | None], None]
Guard = Callable[[str, bool, Callable[[], None]], None]
Q = Queries.load(__package__)
OVERDUE = timedelta(minutes=3)  # the watchdog re-queues after one minute; three means nobody consumes


def company_checks(settings: Settings, add: Add, guarded: Guard) -> None:
    """Add the checks of every connected company (nothing when there are none)."""
    for slug in list_connections(settings.workspace):
        _Company(settings, slug, add).run(guarded)


class _Company:
    def __init__(self, settings: Settings, slug: str, add: Add) -> None:
        self.settings, self.slug, self._add = settings, slug, add
        self.hub: CompanyHub | None = None
        self.active = False  # an active member: what the hub shows them means something
        self.refused = False  # the hub answered but refused this member's login role (removed)

    def add(self, what: str, status: Status, detail: str, fix: str | None = None) -> None:
        self._add(f"company {self.slug}: {what}", status, detail, fix)

    def run(self, guarded: Guard) -> None:
        label = f"company {self.slug}"
        guarded(f"{label}: connection", False, self.connection)
        guarded(f"{label}: reachable", False, self.reach)
        if self.refused:
            self.add(
                "membership",
                "fail",
                "this workspace's member was removed: the hub refuses its login role",
                "Ask an admin for a new invite code, then `psn company join` again.",
            )
            for what in ("brand voice", "worker"):
                self.add(what, "skip", "not an active member")
            return
        if self.hub is None:
            self.add("hub", "skip", "not reachable, the other company checks were skipped")
            return
        try:
            for what, body in (
                ("migrations", self.migrations),
                ("row-level security", self.rls),
                ("identity", self.identity),
                ("membership", self.membership),
            ):
                guarded(f"{label}: {what}", False, body)
            for what, body in (("brand voice", self.brand), ("worker", self.worker)):
                if self.active:
                    guarded(f"{label}: {what}", False, body)
                else:
                    self.add(what, "skip", "not an active member")
        finally:
            self.hub.close()

    def connection(self) -> None:
        path = connection_path(self.settings.workspace, self.slug)
        problem = private_mode_problem(path)
        self.add("connection", "warn" if problem else "ok", problem or f"{path} (mode 0600)", f"chmod 600 {path}")

    def reach(self) -> None:
        hub = CompanyHub(self.settings, read_connection(self.settings.workspace, self.slug))
        try:
            with hub.hub.app() as conn:  # raises UnsafeRuntimeRole unless it is the plain runtime role
                version: str | None = sql.value(conn, Q.server_version)
        except HubUnreachable as exc:
            if "not permitted to log in" not in exc.message:
                raise
            self.refused = True
            self.add("reachable", "ok", f"{hub.name} answered, and refused this member's login role")
            return
        self.hub = hub
        shown = version or "?"
        self.add("reachable", "ok", f"{hub.name} as {hub.hub.target.app_role} (PostgreSQL {shown})")

    def identity(self) -> None:
        assert self.hub is not None
        if self.hub.connection.member_key is not None:
            self.add(
                "identity",
                "warn",
                "you still connect as the shared psn_app role with a member key",
                f"Run `psn company reconnect {self.slug}` (after an admin ran `psn company migrate {self.slug}`).",
            )
            return
        with self.hub.hub.app() as conn:
            findings = identity_findings(conn)
        if findings is None:
            self.add(
                "identity", "fail", "the hub predates login roles", f"An admin runs `psn company migrate {self.slug}`."
            )
            return
        bad = [f for f in findings if f.severity == "fail"]
        waiting = [f for f in findings if f.severity != "fail"]
        detail = "; ".join(f.sentence for f in bad + waiting)
        if waiting:  # psn_app stays shared until the last member moves: that is what they fix
            fix = f"Each runs `psn company reconnect {self.slug}`, or `psn company migrate {self.slug} --finish`."
            self.add("identity", "fail" if bad else "warn", detail, fix)
        elif bad:
            fix = f"The admin who created it runs `psn company migrate {self.slug}`; if it persists, report it."
            self.add("identity", "fail", detail, fix)
        else:
            self.add("identity", "ok", f"your own login role ({self.hub.hub.target.app_role}); nothing shared")

    def migrations(self) -> None:
        assert self.hub is not None
        with self.hub.hub.app() as conn:
            status = migration_status(conn)
        admin_fix = f"An admin of the company runs `psn company migrate {self.slug}`."
        if status.unknown:
            self.add("migrations", "fail", f"the hub has migrations this psn lacks: {status.unknown}", "Upgrade psn.")
        elif status.pending or status.mismatched:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in status.pending) or str(status.mismatched)
            self.add("migrations", "fail", f"not migrated as far as this psn: {names}", admin_fix)
        else:
            self.add("migrations", "ok", f"{len(status.applied)} applied, none pending")

    def rls(self) -> None:
        assert self.hub is not None
        with self.hub.hub.app() as conn:
            tables = member_tables(conn)
        weak = [t.table for t in tables if not t.protected]
        if weak:
            fix = f"An admin runs `psn company migrate {self.slug}`; if it persists, report it."
            self.add("row-level security", "fail", f"not protected: {', '.join(weak)}", fix)
        else:
            self.add("row-level security", "ok", f"enabled and forced on all {len(tables)} member-data tables")

    def membership(self) -> None:
        assert self.hub is not None
        with self.hub.transaction() as conn:
            role = current_role(conn)
            name: str | None = sql.value(conn, Q.my_name)
        if role is None or name is None:
            self.add(
                "membership",
                "fail",
                "this workspace's member was removed, or its member key is not accepted",
                "Ask an admin for a new invite code, then `psn company join` again.",
            )
        else:
            self.active = True
            self.add("membership", "ok", f"{name}, {role}")

    def brand(self) -> None:
        assert self.hub is not None
        with self.hub.transaction() as conn:
            yaml = brand_yaml(conn)
        local: Path = synced_brand_file(self.settings.workspace, self.slug)
        sync = f"Run `psn company sync {self.slug}`."
        if yaml is None:
            self.add("brand voice", "warn", "the company has no brand voice yet", "An admin runs `psn company brand`.")
        elif not local.exists():
            self.add("brand voice", "warn", f"not synced: {local.name} is missing", sync)
        elif local.read_text("utf-8") != yaml:
            self.add("brand voice", "warn", f"{local.name} differs from the company's brand voice", sync)
        else:
            self.add("brand voice", "ok", f"{local.name} matches the company's")

    def worker(self) -> None:
        assert self.hub is not None
        member = self.hub.who.member_id
        with self.hub.transaction() as conn:
            overdue = int(sql.value(conn, Q.overdue_connected, {"member": member, "before": utcnow() - OVERDUE}))
        if overdue:
            self.add(
                "worker",
                "fail",
                f"{overdue} scheduled post(s) on accounts you connected are overdue",
                f"Start `psn worker --company {self.slug}` on this machine (it holds the key to those tokens).",
            )
        else:
            self.add("worker", "ok", "nothing overdue on the accounts you connected")

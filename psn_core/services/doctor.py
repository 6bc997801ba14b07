"""`psn doctor`: a checklist of everything psn depends on, each failing line with its fix (the personal
hub here, then each connected company hub in psn_core.services.company.doctor)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal

import psycopg
from pydantic import BaseModel

from psn_core.config import HUB_ENV, Settings
from psn_core.crypto import load_keyring
from psn_core.errors import PSNError
from psn_core.hub import sql
from psn_core.hub.audit import identity_findings, member_tables, runtime_role
from psn_core.hub.database import Hub, check_runtime_role
from psn_core.hub.migrate import migration_status
from psn_core.hub.sql import Queries
from psn_core.hub.vault import key_usage
from psn_core.services.company.doctor import company_checks
from psn_core.timefmt import utcnow
from psn_core.workspace import private_mode_problem, tracked_secret_files, unignored_secret_paths

Q = Queries.load("psn_core.hub")  # the hub-level queries (psn_core/hub/queries.sql)

Status = Literal["ok", "warn", "fail", "skip"]


class Check(BaseModel):
    name: str
    status: Status
    detail: str
    fix: str | None = None


class DoctorReport(BaseModel):
    workspace: str
    hub: str | None
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)


class _Doctor:
    def __init__(self, settings: Settings, now: datetime | None = None) -> None:
        self.settings = settings
        self.now = now or utcnow()
        self.checks: list[Check] = []
        self.hub: Hub | None = None

    def add(self, name: str, status: Status, detail: str, fix: str | None = None) -> None:
        self.checks.append(Check(name=name, status=status, detail=detail, fix=fix if status != "ok" else None))

    def guarded(self, name: str, needs_hub: bool, body: Callable[[], None]) -> None:
        if needs_hub and self.hub is None:
            self.add(name, "skip", "hub not reachable")
            return
        try:
            body()
        except PSNError as exc:
            self.add(name, "fail", exc.message, exc.action)
        except psycopg.Error as exc:  # e.g. tables missing before the first migration
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.add(name, "fail", f"hub query failed: {reason}", "Run `psn hub migrate`, then `psn doctor`.")

    # --- files -----------------------------------------------------------------------------------

    def files(self) -> None:
        ws = self.settings.workspace
        env = ws / HUB_ENV
        if env.exists():
            problem = private_mode_problem(env)
            self.add("hub.env", "warn" if problem else "ok", problem or f"{env} (mode 0600)", f"chmod 600 {env}")
        else:
            self.add(
                "hub.env",
                "warn",
                f"no {HUB_ENV} in {ws}; settings come from the environment only",
                "Run `psn init` to create it.",
            )

        missing = unignored_secret_paths(ws, (self.settings.key_path,))
        tracked = tracked_secret_files(ws)
        if tracked:
            self.add(
                "gitignore",
                "fail",
                f"secret files are committed to git: {', '.join(tracked)}",
                "Run `git rm --cached <file>` for each, commit, and rotate what they contained.",
            )
        elif missing:
            self.add(
                "gitignore",
                "fail",
                f"git would not ignore: {', '.join(missing)}",
                "Run `psn init` again (it adds the entries) or add them to .gitignore.",
            )
        else:
            self.add("gitignore", "ok", "hub.env, connections/*.env, key files and .psn/ are ignored")

    def strategy(self) -> None:
        from psn_core.services.strategy import strategy_state

        state = strategy_state(self.settings.workspace)
        current = state.strategy
        if state.problems:
            fix = f"Fix the lines named in {state.path.name}, then run `psn strategy check`."
            self.add("strategy", "warn", state.warning or "strategy.yaml is invalid", fix)
        elif current is None:
            self.add("strategy", "skip", "no strategy.yaml yet: `psn strategy init` writes one from your voice answers")
        else:
            detail = f"{state.path.name}: {len(current.pillars)} pillars, {current.per_week()} posts a week"
            self.add("strategy", "ok", detail)

    def key(self) -> None:
        ring = load_keyring(self.settings)
        if ring.source == "env":
            self.add("encryption key", "ok", f"PSN_MASTER_KEY (key {ring.active_id})")
            return
        problem = private_mode_problem(self.settings.key_path)
        fix = f"chmod 600 {self.settings.key_path}"
        self.add(
            "encryption key",
            "fail" if problem else "ok",
            problem or f"{self.settings.key_path} (mode 0600, active key {ring.active_id})",
            fix,
        )

    # --- hub -------------------------------------------------------------------------------------

    def reach(self) -> None:
        hub = Hub.open(self.settings)
        started = time.perf_counter()
        with hub.owner() as conn:
            version: str | None = sql.value(conn, Q.server_version)
        elapsed = (time.perf_counter() - started) * 1000
        self.hub = hub
        self.add(
            "hub reachable",
            "ok",
            f"{hub.label}, PostgreSQL {version or '?'}, {elapsed:.0f} ms",
        )

    def migrations(self) -> None:
        assert self.hub is not None
        with self.hub.owner() as conn:
            status = migration_status(conn)
        if status.mismatched:
            self.add(
                "migrations",
                "fail",
                f"applied migrations changed: {status.mismatched}",
                "Restore the original migration files; put changes in a new migration.",
            )
        elif status.unknown:
            self.add(
                "migrations",
                "fail",
                f"hub has migrations this psn lacks: {status.unknown}",
                "Upgrade psn (`uv sync`).",
            )
        elif status.pending:
            names = ", ".join(f"{m.version:04d}_{m.name}" for m in status.pending)
            self.add("migrations", "fail", f"pending: {names}", "Run `psn hub migrate`.")
        else:
            self.add("migrations", "ok", f"{len(status.applied)} applied, none pending")

    def role(self) -> None:
        assert self.hub is not None
        with self.hub.owner() as conn:
            role = runtime_role(conn)
        fix = "Run `psn hub migrate`; if psn_app has SUPERUSER/BYPASSRLS, `ALTER ROLE psn_app NOSUPERUSER NOBYPASSRLS`."
        if not role.safe:
            flags = [
                n
                for n, on in (
                    ("missing", not role.exists),
                    ("SUPERUSER", role.superuser),
                    ("BYPASSRLS", role.bypassrls),
                    ("owns tables", role.owns_tables > 0),
                )
                if on
            ]
            self.add("runtime role", "fail", f"psn_app is unsafe: {', '.join(flags)}", fix)
            return
        with self.hub.app() as conn:
            check_runtime_role(conn)
            leaked = int(sql.value(conn, Q.unscoped_members))
        if leaked:
            self.add("runtime role", "fail", f"psn_app without a member id sees {leaked} member rows", fix)
        else:
            self.add("runtime role", "ok", "psn_app: NOSUPERUSER, NOBYPASSRLS, owns nothing, sees nothing unscoped")

    def rls(self) -> None:
        assert self.hub is not None
        with self.hub.owner() as conn:
            tables = member_tables(conn)
        weak = [t for t in tables if not t.protected]
        if weak:
            detail = "; ".join(
                f"{t.table}: "
                + ", ".join(
                    p
                    for p, bad in (
                        ("RLS off", not t.rls_enabled),
                        ("not forced", not t.rls_forced),
                        ("no psn_app policy", not t.app_policies),
                    )
                    if bad
                )
                for t in weak
            )
            self.add(
                "row-level security",
                "fail",
                detail,
                "Add ENABLE + FORCE ROW LEVEL SECURITY and a psn_app policy in a new migration.",
            )
        else:
            self.add("row-level security", "ok", f"enabled and forced on all {len(tables)} member-data tables")

    def identity(self) -> None:
        assert self.hub is not None
        with self.hub.owner() as conn:
            findings = identity_findings(conn)
        if findings is None:
            self.add("hub security", "fail", "the hub predates login roles (migration 0012)", "Run `psn hub migrate`.")
            return
        bad = [f for f in findings if f.severity == "fail" and f.problem != "shared_role"]
        shared = [f for f in findings if f.problem == "shared_role"]
        if bad:
            detail = "; ".join(f.sentence for f in bad)
            self.add("hub security", "fail", detail, "Run `psn hub migrate` (it revokes PUBLIC's rights again).")
        elif shared:
            self.add(
                "hub security",
                "warn",
                "; ".join(f.sentence for f in shared),
                "psn_app is this personal hub's alone: for each company hub on this server made before login "
                "roles, its admin runs `psn company migrate NAME` (then `--finish`).",
            )
        else:
            self.add("hub security", "ok", "no PUBLIC CONNECT/TEMP/CREATE, fixed search_paths, psn_app not shared")

    def member(self) -> None:
        assert self.hub is not None
        if self.settings.member_id is None:
            self.add("member", "fail", "PSN_MEMBER_ID is not set", "Run `psn init`.")
            return
        with self.hub.transaction(self.settings.member_id) as conn:
            name: str | None = sql.value(conn, Q.member_name, {"member": self.settings.member_id})
        if name is None:
            self.add("member", "fail", f"member {self.settings.member_id} is not in this hub", "Run `psn init`.")
        else:
            self.add("member", "ok", f"{name} ({self.settings.timezone})")

    def trend_sources(self) -> None:
        from psn_core.services.strategy import load_strategy
        from psn_core.services.trends.store import health, source_statuses

        assert self.hub is not None
        if self.settings.member_id is None:
            self.add("trend sources", "skip", "PSN_MEMBER_ID is not set")
            return
        strategy = load_strategy(self.settings.workspace)
        with self.hub.transaction(self.settings.member_id) as conn:
            status, detail, fix = health(source_statuses(conn, strategy))
        self.add("trend sources", status, detail, fix)

    def engagement(self) -> None:
        from datetime import timedelta

        from psn_core.services.engage.status import abilities, failed_replies, health
        from psn_core.services.strategy import load_strategy
        from psn_core.strategy.engagement import Engagement

        assert self.hub is not None
        if self.settings.member_id is None:
            self.add("engagement", "skip", "PSN_MEMBER_ID is not set")
            return
        strategy = load_strategy(self.settings.workspace)
        config = strategy.engagement if strategy else Engagement()
        now, member, zone = self.now, self.settings.member_id, self.settings.zone
        with self.hub.transaction(member) as conn:
            accounts = abilities(conn, member, config, now, zone)
            failed = failed_replies(conn, member, now - timedelta(days=1))
        self.add("engagement", *health(accounts, failed, zone))

    def stored_secrets(self) -> None:
        assert self.hub is not None
        ring = load_keyring(self.settings)
        with self.hub.owner() as conn:
            usage = key_usage(conn)
        unknown = {k: n for k, n in usage.items() if k not in ring.keys}
        old = {k: n for k, n in usage.items() if k in ring.keys and k != ring.active_id}
        total = sum(usage.values())
        if unknown:
            self.add(
                "stored secrets",
                "fail",
                f"{sum(unknown.values())} secret(s) under keys this workspace lacks: {', '.join(unknown)}",
                "Restore the old key (file or PSN_OLD_MASTER_KEYS), then `psn keys rotate`.",
            )
        elif old:
            self.add(
                "stored secrets",
                "warn",
                f"{sum(old.values())} of {total} still under an old key",
                "Run `psn keys rotate` to finish rotation.",
            )
        else:
            self.add("stored secrets", "ok", f"{total} encrypted value(s), all under the active key")


def run_doctor(settings: Settings, now: datetime | None = None) -> DoctorReport:
    """Run every check; a failure in one never hides the others. ``now``: the clock (tests pass theirs)."""
    doc = _Doctor(settings, now)
    doc.guarded("files", False, doc.files)
    doc.guarded("encryption key", False, doc.key)
    doc.guarded("strategy", False, doc.strategy)
    doc.guarded("hub reachable", False, doc.reach)
    doc.guarded("migrations", True, doc.migrations)
    doc.guarded("runtime role", True, doc.role)
    doc.guarded("row-level security", True, doc.rls)
    doc.guarded("hub security", True, doc.identity)
    doc.guarded("member", True, doc.member)
    doc.guarded("stored secrets", True, doc.stored_secrets)
    doc.guarded("trend sources", True, doc.trend_sources)
    doc.guarded("engagement", True, doc.engagement)
    if doc.hub is not None:
        doc.hub.close()
    company_checks(settings, doc.add, doc.guarded)
    return DoctorReport(workspace=str(settings.workspace), hub=doc.hub.label if doc.hub else None, checks=doc.checks)

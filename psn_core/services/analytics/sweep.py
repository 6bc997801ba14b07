"""The analytics sweep: the only code that asks platforms for metrics. The worker runs it twice an hour.

Per account it collects the targets that are due by the recency schedule (every run for posts under
2 days, every 6 h under 7 days, daily under 30 days, never after 30 days unless forced), batched as the
platform allows (``Platform.metrics_batch_size``: X 100 ids a request, TikTok 20, LinkedIn and
Instagram one post at a time), then the follower count once a day where the platform has a read for
it. An account whose granted scopes lack what the platform's analytics need (LinkedIn:
r_member_postAnalytics) has its metrics skipped with the reason (``AccountSweep.skipped``), never asked.
Every request goes through a BACKGROUND :class:`~psn_core.services.accounts.budgets.BudgetGate`, so the
sweep stops when 20% of the account's budget is left: the stop is recorded (``analytics_sweeps.
resume_at``) and the account is skipped until then, with no error storm and no retries in between.
Each batch is stored in its own transaction, so a stop keeps everything collected before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from psn_core.errors import PSNError, RateLimited
from psn_core.hub import sql
from psn_core.hub.database import Hub
from psn_core.hub.sql import Queries
from psn_core.platforms.base import Platform
from psn_core.platforms.models import Feature
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.budgets import Priority
from psn_core.services.accounts.callers import PlatformCaller
from psn_core.services.accounts.features import granted_scopes
from psn_core.services.analytics.models import (
    FOLLOWERS_EVERY,
    MAX_AGE,
    AccountSweep,
    RefreshRequested,
    SweepResult,
)
from psn_core.services.analytics.store import (
    DueTarget,
    ensure_rollups,
    format_of,
    record_followers,
    record_metrics,
    refresh_flags,
)
from psn_core.timefmt import local

Q = Queries.load(__package__)
MAX_TARGETS_PER_ACCOUNT = 2000  # one run's worth; the rest stay due for the next run


@dataclass(frozen=True)
class SweepAccount:
    """An active account and where its last sweep left off."""

    id: UUID
    platform: str
    handle: str
    resume_at: datetime | None
    followers_checked_at: datetime | None


@dataclass(frozen=True)
class Request:
    force: bool


@dataclass(frozen=True)
class DueRow:
    target_id: UUID
    post_id: UUID
    account_id: UUID
    platform: str
    language: str
    rendering: dict[str, Any]
    remote_ids: list[str]
    published_at: datetime


def _batches(items: Sequence[DueTarget], size: int) -> list[Sequence[DueTarget]]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]


class AnalyticsSweeper(PlatformCaller):
    """Collects metrics and follower counts for one hub's members. Safe in several workers at once
    (each batch locks the rows it changes), though the worker runs one sweep at a time."""

    def sweep(self, member_id: UUID, *, force: bool = False) -> SweepResult:
        """Collect what is due for every active account of the member; ``force`` collects every post.

        Raises:
            HubUnreachable: the hub could not be reached (platform errors stop one account, never raise).
        """
        now = self.clock()
        with self.hub.transaction(member_id) as conn:
            ensure_rollups(conn, member_id, self.settings.timezone, now)
            accounts = sql.many(conn, Q.sweep_accounts, {"member": member_id}, SweepAccount)
        results = [self._account(member_id, row, force) for row in accounts]
        return SweepResult(at=now, forced=force, accounts=results)

    def run_requested(self, member_id: UUID) -> SweepResult | None:
        """Run the sweep a user asked for (`psn analytics --refresh`, refresh_analytics); None if none."""
        with self.hub.transaction(member_id) as conn:
            found = sql.one(conn, Q.take_request, {"member": member_id}, Request)
        return None if found is None else self.sweep(member_id, force=found.force)

    # --- one account ---------------------------------------------------------------------------------

    def _due(self, member_id: UUID, account_id: UUID, force: bool, now: datetime) -> list[DueTarget]:
        params = {
            "member": member_id,
            "account": account_id,
            "force": force,
            "since": now - MAX_AGE,
            "now": now,
            "limit": MAX_TARGETS_PER_ACCOUNT,
        }
        with self.hub.transaction(member_id) as conn:
            rows = sql.many(conn, Q.due_targets, params, DueRow)
        cls = PLATFORMS[rows[0].platform] if rows else None
        return [
            DueTarget(
                target_id=r.target_id,
                post_id=r.post_id,
                account_id=r.account_id,
                platform=r.platform,
                language=r.language,
                format=format_of(r.rendering),
                remote_id=remote_id,
                published_at=r.published_at,
            )
            for r in rows
            if cls is not None and (remote_id := cls.metrics_id(r.remote_ids)) is not None
        ]

    def _account(self, member_id: UUID, account: SweepAccount, force: bool) -> AccountSweep:
        now = self.clock()
        account_id = account.id
        cls = PLATFORMS[account.platform]
        view = AccountSweep(account_id=account_id, platform=cls.name, handle=account.handle, due=0, collected=0)
        resume_at = account.resume_at
        if not force and resume_at is not None and resume_at > now:
            view.stopped = f"waiting for the request budget until {local(resume_at, self.settings.zone)}"
            view.resume_at = resume_at
            return view
        due = self._due(member_id, account_id, force, now)
        view.due = len(due)
        with self.hub.transaction(member_id) as conn:
            lacking = cls.oauth.missing_scopes(Feature.ANALYTICS, granted_scopes(conn, account_id))
        if lacking:  # asking would only be refused (403): say why, and collect nothing
            why = (
                f"which this connection was not granted; run `psn auth {cls.name}` and grant it"
                if set(lacking) <= set(cls.oauth.scopes)  # asked of every app: the user left it out
                else f"which {cls.display_name} grants to approved apps only; see `psn auth status`"
            )
            view.skipped = f"{cls.display_name} post analytics need the {', '.join(lacking)} permission, {why}."
            due = []
        checked = account.followers_checked_at
        followers_due = force or checked is None or now - checked >= FOLLOWERS_EVERY
        with self.client(member_id, account_id, account.platform, Priority.BACKGROUND) as client:
            try:
                for batch in _batches(due, cls.metrics_batch_size):
                    view.collected += self._collect(member_id, client, account_id, batch)
                if followers_due:
                    view.followers = self.tokens.call(member_id, account_id, client.fetch_follower_count)
                    with self.hub.transaction(member_id) as conn:
                        record_followers(conn, member_id, account_id, view.followers, self.clock())
            except RateLimited as exc:
                view.stopped = exc.message
                view.resume_at = self.clock() + timedelta(seconds=exc.retry_after or 60)
            except PSNError as exc:  # one account's failure never stops the others
                view.stopped = exc.message
        self._finish(member_id, view, now)
        return view

    def _collect(self, member_id: UUID, client: Platform, account_id: UUID, batch: Sequence[DueTarget]) -> int:
        ids = [t.remote_id for t in batch]
        readings = self.tokens.call(member_id, account_id, lambda token: client.fetch_metrics(token, ids))
        with self.hub.transaction(member_id) as conn:
            return record_metrics(conn, member_id, batch, readings, self.clock(), self.settings.timezone)

    def _finish(self, member_id: UUID, view: AccountSweep, started: datetime) -> None:
        now = self.clock()
        with self.hub.transaction(member_id) as conn:
            refresh_flags(conn, member_id, view.account_id, now)
            sql.run(
                conn,
                Q.finish_sweep,
                {
                    "account": view.account_id,
                    "member": member_id,
                    "started": started,
                    "now": now,
                    "complete": None if view.stopped else now,
                    "resume": view.resume_at,
                    "reason": view.stopped,
                    "collected": view.collected,
                },
            )


def request_refresh(hub: Hub, member_id: UUID, now: datetime, *, force: bool = False) -> RefreshRequested:
    """Ask the worker for a sweep (it checks every minute); never calls a platform itself."""
    with hub.transaction(member_id) as conn:
        sql.run(conn, Q.request_refresh, {"member": member_id, "now": now, "force": force})
    return RefreshRequested(
        requested_at=now,
        message="Refresh requested: the worker (`psn worker`) collects fresh metrics within a minute, "
        "within each account's request budget.",
    )

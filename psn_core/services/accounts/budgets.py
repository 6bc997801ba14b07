"""Request budgets: every platform call reserves from a ledger in the hub before it is sent.

Why: Instagram allows 200 calls an hour per account, and posting, analytics and hashtag research
together burn that in minutes (PITFALLS.md, pitfall 3). So:

- :func:`reserve` takes one request from the (account, platform, bucket) window atomically: a single
  ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` that rolls an expired window over, and refuses when
  the cap is reached. Two processes can never both take the last request.
- :class:`Priority`: CRITICAL work (publishing, token refresh) may spend the whole budget;
  BACKGROUND work (analytics, hashtag search, engagement) stops when 20% remains.
- :func:`observe` corrects the window from the response's rate-limit headers; a 429 marks the bucket
  spent until the reset the platform gave, so the work is rescheduled after it.
- :class:`BudgetGate` does both around every request of a platform client (``gate=``).
- :func:`check_publishing_quota`: where a platform publishes a live count of posts (Instagram's
  content_publishing_limit), it is read before publishing and a used-up quota reschedules the post.

Which bucket a request belongs to and its limits are in :mod:`psn_core.services.accounts.budget_rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx2
from pydantic import BaseModel, ConfigDict

from psn_core.errors import RateLimited
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.platforms.base import Platform
from psn_core.platforms.http import describe_wait
from psn_core.services.accounts.budget_rules import ACCOUNT_BUCKET, BudgetRule, rule_for
from psn_core.timefmt import local, until, utcnow

Q = Queries.load(__package__)
QUOTA_RETRY = timedelta(hours=1)  # a used-up publishing quota whose reset the platform does not say
UTC_ZONE = ZoneInfo("UTC")


class Priority(StrEnum):
    CRITICAL = "critical"  # publishing, token refresh: may use the whole budget
    BACKGROUND = "background"  # analytics, hashtag search, engagement: yields when 20% remains


# Percent of the limit that BACKGROUND work leaves untouched, kept for CRITICAL work.
RESERVED_PERCENT: Mapping[Priority, int] = {Priority.CRITICAL: 0, Priority.BACKGROUND: 20}


@dataclass(frozen=True)
class Reservation:
    """One request taken from a window: the window as it stands after it."""

    platform: str
    bucket: str
    used: int
    limit: int
    window_start: datetime
    reset_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


class BudgetLine(BaseModel):
    """What is left of one bucket, for `psn budget`. ``reset_at`` is None when no window is open."""

    model_config = ConfigDict(frozen=True)

    account_id: UUID
    handle: str
    platform: str
    bucket: str
    used: int
    limit: int
    reset_at: datetime | None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def percent_left(self) -> int:
        return 100 * self.remaining // self.limit if self.limit else 0


@dataclass(frozen=True)
class _Window:
    """One bucket's window as stored."""

    used: int
    request_limit: int
    window_start: datetime
    reset_at: datetime


@dataclass(frozen=True)
class _Line:
    account_id: UUID
    handle: str
    platform: str
    bucket: str
    used: int
    request_limit: int
    reset_at: datetime


def reserve(
    conn: Conn,
    member_id: UUID,
    account_id: UUID,
    platform: str,
    bucket: str,
    priority: Priority,
    now: datetime,
    *,
    zone: ZoneInfo = UTC_ZONE,
) -> Reservation:
    """Take one request from the bucket's current window, opening a new window if the last one reset.

    Atomic across connections and processes: the check and the increment are one statement on one
    row (row lock), so the cap is never passed however many workers reserve at once.

    Raises:
        RateLimited: the window is spent for this priority (BACKGROUND: 20% or less is left); it
            carries ``retry_after`` seconds until the window resets and ``status_code`` None (psn's
            own budget refused; nothing was sent).
        ValueError: unknown platform.
    """
    rule = rule_for(platform)
    row = sql.one(
        conn,
        Q.reserve,
        {
            "member": member_id,
            "account": account_id,
            "platform": platform,
            "bucket": bucket,
            "now": now,
            "window_end": rule.window_end(bucket, now),
            "limit": rule.limit_for(bucket).limit,
            "reserved_pct": RESERVED_PERCENT[priority],
        },
        _Window,
    )
    if row is not None:
        return Reservation(platform, bucket, row.used, row.request_limit, row.window_start, row.reset_at)
    raise _refusal(conn, rule, member_id, account_id, bucket, priority, now, zone)


def _refusal(
    conn: Conn,
    rule: BudgetRule,
    member_id: UUID,
    account_id: UUID,
    bucket: str,
    priority: Priority,
    now: datetime,
    zone: ZoneInfo,
) -> RateLimited:
    # Read only to word the refusal: the decision was already taken atomically by the upsert.
    where = {"member": member_id, "account": account_id, "platform": rule.platform, "bucket": bucket}
    row = sql.one(conn, Q.budget_window, where, _Window)
    used, limit = (row.used, row.request_limit) if row else (0, 0)
    reset_at: datetime = row.reset_at if row else rule.window_end(bucket, now)
    wait = max(1.0, (reset_at - now).total_seconds())
    what = "this account" if bucket == ACCOUNT_BUCKET else f"{bucket} on this account"
    when = f"{local(reset_at, zone)}, {until(reset_at, now)}"
    left = max(0, limit - used)
    if priority is Priority.BACKGROUND and left > 0:
        return RateLimited(
            f"{rule.display_name} request budget for {what} is down to {left} of {limit}; "
            f"the rest is kept for publishing and token refreshes.",
            f"Background work (analytics, hashtag search, engagement) waits until the window resets at {when}.",
            retry_after=wait,
            platform=rule.platform,
            status_code=None,
        )
    return RateLimited(
        f"{rule.display_name} request budget for {what} is used up ({used} of {limit}) until {local(reset_at, zone)}.",
        f"Nothing was sent. psn keeps the work queued and retries after the reset ({describe_wait(wait)}).",
        retry_after=wait,
        platform=rule.platform,
        status_code=None,
    )


def observe(
    conn: Conn,
    member_id: UUID,
    account_id: UUID,
    platform: str,
    bucket: str,
    status_code: int,
    headers: Mapping[str, str],
    now: datetime,
) -> bool:
    """Correct the bucket's window from one response's headers; a 429 spends it until the reset.

    The platform's count only ever raises psn's (requests still in flight are not in it yet); the
    platform's limit and reset replace psn's. Returns whether the response said anything (a response
    without rate-limit headers and not a 429 changes nothing and costs no query).

    Raises:
        ValueError: unknown platform.
    """
    rule = rule_for(platform)
    seen = rule.read(status_code, headers, now)
    if seen.empty:
        return False
    sql.run(
        conn,
        Q.observe,
        {
            "member": member_id,
            "account": account_id,
            "platform": platform,
            "bucket": bucket,
            "now": now,
            "window_end": rule.window_end(bucket, now),
            "limit": seen.limit,
            "used": seen.used,
            "used_pct": seen.used_pct,
            "reset_at": seen.reset_at,
            "exhausted": seen.exhausted,
        },
    )
    return True


def check_publishing_quota(client: Platform, token: str, handle: str, now: datetime) -> None:
    """Read the platform's live publishing quota (where it has one) before anything is created.

    Raises:
        RateLimited: the quota is used up (nothing was sent); retry when the oldest counted post leaves
            the window, or in an hour when the platform does not say.
        PlatformError: the quota could not be read.
    """
    quota = client.publishing_quota(token)
    if quota is None or quota.remaining > 0:
        return
    wait = (quota.resets_at - now).total_seconds() if quota.resets_at else QUOTA_RETRY.total_seconds()
    cls = type(client)
    raise RateLimited(
        f"{cls.display_name}'s publishing limit for @{handle} is used up: {quota.used} of {quota.total} posts "
        f"published through the API in the last {quota.window_seconds // 3600} hours.",
        "Nothing was sent. psn keeps the post queued and tries again once the oldest of those posts leaves the window.",
        retry_after=max(60.0, wait),
        platform=cls.name,
        status_code=None,
    )


def budget_status(conn: Conn, member_id: UUID, now: datetime | None = None) -> list[BudgetLine]:
    """Every bucket of the member's accounts: used, limit and when it resets (None: no open window)."""
    moment = now or utcnow()
    lines = []
    for r in sql.many(conn, Q.budget_lines, {"member_id": member_id}, _Line):
        live = r.reset_at > moment
        lines.append(
            BudgetLine(
                account_id=r.account_id,
                handle=r.handle,
                platform=r.platform,
                bucket=r.bucket,
                used=r.used if live else 0,
                limit=r.request_limit,
                reset_at=r.reset_at if live else None,
            )
        )
    return lines


class BudgetGate:
    """A :class:`~psn_core.platforms.http.RequestGate` that spends from the ledger.

    ``before`` reserves one request in its own short transaction (and raises RateLimited when the
    budget refuses); ``after`` corrects the window from the response. One gate serves one account
    at one priority: give the publishing client a CRITICAL gate and the analytics client a
    BACKGROUND one.
    """

    def __init__(
        self,
        hub: Hub,
        member_id: UUID,
        account_id: UUID,
        priority: Priority,
        clock: Callable[[], datetime] = utcnow,
        *,
        zone: ZoneInfo | None = None,
        conn: Conn | None = None,
    ) -> None:
        self.hub = hub
        self.member_id = member_id
        self.account_id = account_id
        self.priority = priority
        self.clock = clock
        self.zone = zone or hub.settings.zone
        # A caller already inside a member transaction (the token refresh, holding its row lock) passes
        # its connection: reserving on a second pooled connection could wait on a pool that callers
        # queued behind that same lock have filled.
        self._conn = conn

    @contextmanager
    def _tx(self) -> Iterator[Conn]:
        if self._conn is not None:
            yield self._conn
            return
        with self.hub.transaction(self.member_id) as conn:
            yield conn

    def before(self, platform: str, method: str, url: str, *, write: bool) -> None:
        """Reserve one request.

        Raises:
            RateLimited: the budget refuses this request now (nothing is sent).
        """
        bucket = rule_for(platform).bucket_for(method, url)
        if bucket is None:
            return
        with self._tx() as conn:
            reserve(conn, self.member_id, self.account_id, platform, bucket, self.priority, self._now(), zone=self.zone)

    def after(self, platform: str, method: str, url: str, response: httpx2.Response | None) -> None:
        """Correct the window from the response; with no response the reservation simply stands."""
        rule = rule_for(platform)
        bucket = rule.bucket_for(method, url)
        if bucket is None or response is None:
            return
        now = self._now()
        if rule.read(response.status_code, response.headers, now).empty:
            return  # nothing to learn: skip the round trip
        with self._tx() as conn:
            observe(
                conn, self.member_id, self.account_id, platform, bucket, response.status_code, response.headers, now
            )

    def _now(self) -> datetime:
        moment = self.clock()
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

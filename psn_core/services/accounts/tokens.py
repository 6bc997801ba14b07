"""Token lifecycle: one owner of OAuth tokens, refreshes that never race.

Every refresh happens inside a transaction holding ``SELECT ... FOR UPDATE`` on the account's token
row. The token is re-read after the lock is granted: if a sibling (another thread, the CLI, the MCP
server, another worker process) refreshed it meanwhile, the fresh token is returned without calling
the platform. New access and refresh tokens are stored, encrypted, in that same transaction before
anyone can use them, so a single-use refresh token (X, TikTok) is never sent twice.

Failures: ``invalid_grant`` / revoked -> the account is ``needs_reauth`` at once; network errors, 5xx,
429 and X's intermittent 401s are retried with exponential backoff and jitter (tenacity); the third failure in a
row -> ``needs_reauth``. Every such state change stores one CRITICAL notification with the command
that fixes it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from pydantic import BaseModel, SecretStr

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.errors import (
    AuthExpired,
    AuthRevoked,
    InvalidSetting,
    OutcomeUnknown,
    PlatformUnavailable,
    PSNError,
    RateLimited,
)
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.hub.vault import unseal
from psn_core.notifications import Tier, notify
from psn_core.platforms.base import Platform
from psn_core.platforms.models import TokenSet
from psn_core.platforms.oauth import OAuthClient
from psn_core.services.accounts.accounts import platform_class, platform_config, store_tokens
from psn_core.services.accounts.budgets import BudgetGate, Priority
from psn_core.timefmt import until, utcnow

if TYPE_CHECKING:
    from tenacity import RetryCallState, Retrying

Q = Queries.load(__package__)
T = TypeVar("T")
Clock = Callable[[], datetime]

MAX_FAILURES = 3
INLINE_SKEW = timedelta(minutes=2)
LONG_WINDOW = timedelta(days=7)
EXPIRY_ALERT_DAYS = (14, 7, 3)
_TRANSIENT = (PlatformUnavailable, RateLimited, AuthExpired, OutcomeUnknown)


class TokenRecord(BaseModel):
    account_id: UUID
    platform: str
    handle: str
    access_token: SecretStr
    expires_at: datetime | None
    version: int


class SweepReport(BaseModel):
    refreshed: list[UUID] = []
    skipped: list[UUID] = []
    failed: dict[str, str] = {}


class ExpiryAlert(BaseModel):
    account_id: UUID
    platform: str
    threshold_days: int
    expires_at: datetime


def refresh_window(cls: type[Platform]) -> timedelta:
    """How early the refresher renews a platform's tokens: a quarter of short lifetimes (X: 2 h -> 30 min,
    TikTok: 24 h -> 6 h), 7 days ahead for long ones (LinkedIn, Instagram: 60 days)."""
    life = cls.oauth.access_token_lifetime
    return LONG_WINDOW if life >= timedelta(days=14) else max(life / 4, timedelta(minutes=10))


@dataclass(frozen=True)
class _TokenRow:
    """An account's token row (secrets still sealed) with its account's platform, handle and status."""

    account_id: UUID
    access_token_enc: str
    refresh_token_enc: str | None
    expires_at: datetime | None
    refresh_expires_at: datetime | None
    refresh_failures: int
    version: int
    expiry_alerts_sent: list[int]
    platform: str
    handle: str
    status: str


@dataclass(frozen=True)
class _Expiring:
    account_id: UUID
    expires_at: datetime
    platform: str


class TokenService:
    """Reads, refreshes and watches tokens for one hub. Safe across threads and processes."""

    def __init__(
        self,
        hub: Hub,
        settings: Settings,
        ring: Keyring,
        *,
        clock: Clock = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        base_delay: float = 1.0,
    ) -> None:
        self.hub, self.settings, self.ring = hub, settings, ring
        self.clock, self.sleep, self.jitter, self.base_delay = clock, sleep, jitter, base_delay

    # --- reading -----------------------------------------------------------------------------------

    def _record(self, row: _TokenRow) -> TokenRecord:
        access = unseal(self.ring, "oauth_tokens", "access_token", {"account_id": row.account_id}, row.access_token_enc)
        return TokenRecord(
            account_id=row.account_id,
            platform=row.platform,
            handle=row.handle,
            access_token=SecretStr(access),
            expires_at=row.expires_at,
            version=row.version,
        )

    def _expiring(self, expires_at: object, within: timedelta) -> bool:
        return isinstance(expires_at, datetime) and expires_at - self.clock() <= within

    def current(self, member_id: UUID, account_id: UUID) -> TokenRecord:
        """The stored token as it is (no refresh).

        Raises:
            AuthRevoked: the account has no token or needs reconnecting.
        """
        with self.hub.transaction(member_id) as conn:
            row = sql.one(conn, Q.token, {"account_id": account_id}, _TokenRow)
        return self._checked(row, account_id)

    def _checked(self, row: _TokenRow | None, account_id: UUID) -> TokenRecord:
        if row is None:
            raise AuthRevoked(f"Account {account_id} has no stored token.", "Connect it with `psn auth <platform>`.")
        if row.status != "active":
            cls = platform_class(row.platform)
            raise AuthRevoked(
                f"{cls.display_name} @{row.handle} needs reconnecting ({row.status}).",
                f"Run `psn auth {cls.name}` to reconnect.",
                platform=cls.name,
            )
        return self._record(row)

    def access_token(self, member_id: UUID, account_id: UUID) -> TokenRecord:
        """A token valid for at least a couple of minutes, refreshing under the lock when needed.

        Raises:
            AuthRevoked: the account needs reconnecting (a notification was stored).
            PlatformError: the refresh failed in a way worth reporting as is.
        """
        record = self.current(member_id, account_id)
        if not self._expiring(record.expires_at, INLINE_SKEW):
            return record
        return self.refresh(member_id, account_id, seen_version=record.version)

    def call(self, member_id: UUID, account_id: UUID, action: Callable[[str], T]) -> T:
        """Run ``action(access_token)``; on a 401 refresh once (through the lock) and run it again."""
        record = self.access_token(member_id, account_id)
        try:
            return action(record.access_token.get_secret_value())
        except AuthExpired:
            fresh = self.refresh(member_id, account_id, seen_version=record.version, force=True)
            return action(fresh.access_token.get_secret_value())

    # --- refreshing --------------------------------------------------------------------------------

    def refresh(
        self,
        member_id: UUID,
        account_id: UUID,
        *,
        seen_version: int | None = None,
        force: bool = False,
        within: timedelta = INLINE_SKEW,
    ) -> TokenRecord:
        """Refresh the token under its row lock, unless a sibling already did.

        ``seen_version`` is the token version the caller found stale: if the row moved past it, a
        sibling refreshed and its token is returned. ``force`` refreshes even if the token looks valid
        (after a 401).

        Raises:
            AuthRevoked: revoked, or too many failures: the account is now needs_reauth.
            InvalidSetting: the platform refused psn's app credentials.
        """
        outcome: TokenRecord | PSNError
        with self.hub.transaction(member_id) as conn:
            row = sql.one(conn, Q.token_for_update, {"account_id": account_id}, _TokenRow)
            record = self._checked(row, account_id)
            assert row is not None
            sibling_refreshed = seen_version is not None and record.version != seen_version
            if sibling_refreshed and not self._expiring(record.expires_at, INLINE_SKEW):
                return record
            if not force and not sibling_refreshed and not self._expiring(record.expires_at, within):
                return record
            outcome = self._refresh_locked(conn, member_id, row)
        if isinstance(outcome, PSNError):
            raise outcome
        return outcome

    def _refresh_locked(self, conn: Conn, member_id: UUID, row: _TokenRow) -> TokenRecord | PSNError:
        cls = platform_class(row.platform)
        account_id = row.account_id
        key: dict[str, object] = {"account_id": account_id}
        secret: str | None = None
        if row.refresh_token_enc:
            secret = unseal(self.ring, "oauth_tokens", "refresh_token", key, row.refresh_token_enc)
        elif cls.oauth.refresh_with_access_token:
            secret = unseal(self.ring, "oauth_tokens", "access_token", key, row.access_token_enc)
        if secret is None or not cls.oauth.programmatic_refresh:
            reason = "psn has no way to refresh this token"
            return self._needs_reauth(conn, member_id, row, "no_refresh", reason, row.refresh_failures)
        gate = BudgetGate(self.hub, member_id, account_id, Priority.CRITICAL, self.clock, conn=conn)
        oauth = OAuthClient(cls, platform_config(self.settings, cls.name), gate=gate)
        retrying = self._retrying(conn, account_id, row.refresh_failures)
        try:
            tokens = retrying(oauth.refresh, secret)
        except AuthRevoked as exc:
            return self._needs_reauth(conn, member_id, row, "revoked", exc.message, self._failed(retrying, row) - 1)
        except InvalidSetting as exc:
            self._record_failure(conn, account_id, "config", self._failed(retrying, row) - 1)
            return exc
        except _TRANSIENT as exc:  # the last allowed attempt failed too
            failures = self._failed(retrying, row)
            reason = f"{failures} refresh attempts in a row failed ({exc.message})"
            return self._needs_reauth(conn, member_id, row, "exhausted", reason, failures)
        finally:
            oauth.close()
        return self._store(conn, member_id, account_id, row, tokens)

    def _retrying(self, conn: Conn, account_id: UUID, earlier: int) -> Retrying:
        """Transient refresh failures retried with exponential backoff and jitter (tenacity), each one
        recorded; ``earlier`` failures in a row (stored) count toward MAX_FAILURES."""
        from tenacity import Retrying, retry_if_exception_type

        def failures(state: RetryCallState) -> int:
            return earlier + state.attempt_number

        def backoff(state: RetryCallState) -> float:
            return self.base_delay * 2.0 ** (failures(state) - 1) * (1 + self.jitter() / 2)

        def record(state: RetryCallState) -> None:
            self._record_failure(conn, account_id, "transient", failures(state))

        retrying: Retrying = Retrying(
            retry=retry_if_exception_type(_TRANSIENT),
            stop=lambda state: failures(state) >= MAX_FAILURES,
            wait=backoff,
            before_sleep=record,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying

    @staticmethod
    def _failed(retrying: Retrying, row: _TokenRow) -> int:
        """Failures in a row, counting the attempt that just failed."""
        attempts: int = retrying.statistics.get("attempt_number", 1)
        return row.refresh_failures + attempts

    def _store(self, conn: Conn, member_id: UUID, account_id: UUID, row: _TokenRow, tokens: TokenSet) -> TokenRecord:
        store_tokens(conn, self.ring, member_id, account_id, tokens.model_copy(update={"obtained_at": self.clock()}))
        fresh = sql.one(conn, Q.token, {"account_id": account_id}, _TokenRow)
        assert fresh is not None
        return self._record(fresh)

    def _record_failure(self, conn: Conn, account_id: UUID, failure: str, failures: int) -> None:
        params = {"failures": failures, "failure": failure, "now": self.clock(), "account_id": account_id}
        sql.run(conn, Q.record_refresh_failure, params)

    def _needs_reauth(
        self, conn: Conn, member_id: UUID, row: _TokenRow, failure: str, reason: str, failures: int
    ) -> AuthRevoked:
        cls = platform_class(row.platform)
        account_id = row.account_id
        self._record_failure(conn, account_id, failure, failures)
        sql.run(conn, Q.account_needs_reauth, {"reason": reason[:300], "account_id": account_id})
        message = (
            f"psn can no longer refresh the {cls.display_name} token of @{row.handle}: {reason.rstrip('.')}. "
            "Posts to this account are paused."
        )
        action = f"Run `psn auth {cls.name}` to reconnect."
        notify(
            conn,
            member_id,
            Tier.CRITICAL,
            "token_needs_reauth",
            message,
            action,
            f"token:{account_id}:needs_reauth",
            now=self.clock(),
        )
        return AuthRevoked(message, action, platform=cls.name)

    # --- the worker's periodic work ----------------------------------------------------------------

    def refresh_due(self, member_id: UUID) -> SweepReport:
        """Refresh every active token inside its platform's refresh window (the token-refresher task)."""
        report = SweepReport()
        with self.hub.transaction(member_id) as conn:
            rows = sql.many(conn, Q.expiring_tokens, None, _Expiring)
        for row in rows:
            window = refresh_window(platform_class(row.platform))
            if not self._expiring(row.expires_at, window):
                report.skipped.append(row.account_id)
                continue
            try:
                self.refresh(member_id, row.account_id, within=window)
                report.refreshed.append(row.account_id)
            except PSNError as exc:
                report.failed[str(row.account_id)] = exc.message
        return report

    def check_expiry(self, member_id: UUID) -> list[ExpiryAlert]:
        """One CRITICAL alert per threshold (14, 7, 3 days) for tokens psn cannot renew by itself."""
        alerts: list[ExpiryAlert] = []
        now = self.clock()
        with self.hub.transaction(member_id) as conn:
            rows = sql.many(conn, Q.active_tokens, None, _TokenRow)
            for row in rows:
                cls = platform_class(row.platform)
                renewable = cls.oauth.programmatic_refresh and (
                    row.refresh_token_enc is not None or cls.oauth.refresh_with_access_token
                )
                deadline = row.refresh_expires_at if renewable else row.expires_at
                if deadline is None:
                    continue
                crossed = [d for d in EXPIRY_ALERT_DAYS if deadline - now <= timedelta(days=d)]
                fresh = [d for d in crossed if d not in row.expiry_alerts_sent]
                if not fresh:
                    continue
                threshold = min(fresh)
                what = "sign-in" if renewable else "token"
                notify(
                    conn,
                    member_id,
                    Tier.CRITICAL,
                    "token_expiring",
                    f"Your {cls.display_name} {what} for @{row.handle} expires {until(deadline, now)}.",
                    f"Run `psn auth {cls.name}` to reconnect.",
                    f"token:{row.account_id}:expiry:{threshold}",
                    now=now,
                )
                days_sent = sorted(set(row.expiry_alerts_sent) | set(crossed))
                sql.run(conn, Q.set_expiry_alerts, {"days": days_sent, "account_id": row.account_id})
                alerts.append(
                    ExpiryAlert(
                        account_id=row.account_id, platform=cls.name, threshold_days=threshold, expires_at=deadline
                    )
                )
        return alerts

"""`psn auth verify`: a live smoke of each connected account, with read calls only.

For every account (or those of one platform): who the token belongs to, the scopes it was granted against
the ones psn asks for (and what each missing one disables: the features that need it, from the platform's
``OAuthSpec.features``, and its ``OAuthSpec.scope_notes``), the rate-limit headers the platform sent back,
and the reads a platform offers before posting (Instagram's publishing quota, TikTok's creator_info).
Nothing is posted, nothing is changed on the platform; an expired token is refreshed first, as any call
would. The same function runs against the emulator in the tests and
against the real APIs under the ``live`` pytest marker.

Every platform gets the generic part (who am I, granted scopes); a platform adds its own reads by
implementing ``Platform.publishing_quota`` / ``Platform.posting_settings``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

import httpx2
from pydantic import BaseModel

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.errors import PSNError
from psn_core.hub import sql
from psn_core.hub.database import Hub
from psn_core.hub.sql import Queries
from psn_core.platforms.base import Platform
from psn_core.platforms.models import PlatformConfig, PostingSettings, PublishingQuota
from psn_core.services.accounts.accounts import AccountView, list_accounts, platform_class, platform_config
from psn_core.services.accounts.budgets import BudgetGate, Priority
from psn_core.services.accounts.features import scope_use
from psn_core.services.accounts.tokens import TokenService
from psn_core.timefmt import utcnow

Q = Queries.load(__package__)
T = TypeVar("T")
# Response headers that report a platform's own request count (X, Meta, LinkedIn name them differently).
_COUNT_HEADERS = ("rate-limit", "ratelimit", "usage", "-limit-")


class ReadCheck(BaseModel):
    """One read call and what it said."""

    name: str
    ok: bool
    detail: str


class ScopeCheck(BaseModel):
    scope: str
    granted: bool
    # what psn does with it, as verb phrases (what psn cannot do when it is missing); None: nothing said
    enables: str | None = None


class VerifyReport(BaseModel):
    account_id: UUID | None  # None: a bare token (verify_token)
    platform: str
    display_name: str
    handle: str
    checks: list[ReadCheck]
    scopes: list[ScopeCheck]  # every scope psn asks for, granted or not
    extra_scopes: list[str]  # granted but not asked for by psn
    scopes_known: bool  # False: the platform did not say which scopes it granted
    rate_limit_headers: dict[str, str]
    quota: PublishingQuota | None = None
    posting: PostingSettings | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and all(s.granted for s in self.scopes)

    @property
    def missing(self) -> list[ScopeCheck]:
        return [s for s in self.scopes if not s.granted] if self.scopes_known else []


class _HeaderLog:
    """A request gate that spends from the budget like any other and keeps the count headers seen."""

    def __init__(self, inner: BudgetGate | None) -> None:
        self.inner = inner
        self.headers: dict[str, str] = {}

    def before(self, platform: str, method: str, url: str, *, write: bool) -> None:
        if self.inner is not None:
            self.inner.before(platform, method, url, write=write)

    def after(self, platform: str, method: str, url: str, response: httpx2.Response | None) -> None:
        if self.inner is not None:
            self.inner.after(platform, method, url, response)
        if response is not None:
            for key, value in response.headers.items():
                if any(mark in key.lower() for mark in _COUNT_HEADERS):
                    self.headers[key.lower()] = value


def verify_accounts(
    hub: Hub,
    settings: Settings,
    ring: Keyring,
    member_id: UUID,
    platform: str | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> list[VerifyReport]:
    """Verify every connected account of the member (or those on ``platform``) with read calls only.

    Raises:
        InvalidSetting: ``platform`` is not one psn knows, or its app is not configured.
    """
    if platform is not None:
        platform_class(platform)
    with hub.transaction(member_id) as conn:
        accounts = [a for a in list_accounts(conn, member_id) if platform in (None, a.platform)]
    tokens = TokenService(hub, settings, ring, clock=clock)
    return [_verify(hub, settings, tokens, member_id, account, clock) for account in accounts]


class TokenCall(Protocol):
    """Runs one platform call with the account's token (refreshing it on a 401 where psn holds it)."""

    def __call__(self, action: Callable[[str], T]) -> T: ...


def _verify(
    hub: Hub,
    settings: Settings,
    tokens: TokenService,
    member_id: UUID,
    account: AccountView,
    clock: Callable[[], datetime],
) -> VerifyReport:
    cls = platform_class(account.platform)
    with hub.transaction(member_id) as conn:
        stored = sql.value(conn, Q.granted_scopes, {"account_id": account.id})
    report = _blank(cls, account.handle, stored or [], account.id)
    if account.status != "active":
        report.checks.append(ReadCheck(name="token", ok=False, detail=f"needs reconnecting: run `psn auth {cls.name}`"))
        return report

    def call(action: Callable[[str], T]) -> T:
        return tokens.call(member_id, account.id, action)

    gate = _HeaderLog(BudgetGate(hub, member_id, account.id, Priority.BACKGROUND, clock))
    with cls(platform_config(settings, cls.name), gate=gate) as client:
        read_checks(report, client, call)
    report.rate_limit_headers = dict(sorted(gate.headers.items()))
    return report


def verify_token(
    platform: str, config: PlatformConfig, token: str, granted: Sequence[str] = (), handle: str = ""
) -> VerifyReport:
    """The same checks for a bare access token, with no hub (the ``live`` tests: credentials from the
    environment). ``granted``: the scopes the platform said it granted, when known.

    Raises:
        InvalidSetting: ``platform`` is not one psn knows.
    """
    cls = platform_class(platform)
    report = _blank(cls, handle, granted, None)
    gate = _HeaderLog(None)

    def call(action: Callable[[str], T]) -> T:
        return action(token)

    with cls(config, gate=gate) as client:
        read_checks(report, client, call)
    report.rate_limit_headers = dict(sorted(gate.headers.items()))
    return report


def _blank(cls: type[Platform], handle: str, stored: Sequence[object], account_id: UUID | None) -> VerifyReport:
    granted = {str(s) for s in stored}
    known = bool(granted)
    return VerifyReport(
        account_id=account_id,
        platform=cls.name,
        display_name=cls.display_name,
        handle=handle,
        checks=[],
        scopes=[
            ScopeCheck(scope=s, granted=s in granted or not known, enables=scope_use(cls, s)) for s in cls.oauth.scopes
        ],
        extra_scopes=sorted(granted - set(cls.oauth.scopes)),
        scopes_known=known,
        rate_limit_headers={},
    )


def read_checks(report: VerifyReport, client: Platform, call: TokenCall) -> None:
    """Who am I, then the platform's own reads before posting (publishing quota, posting settings)."""
    _who(report, client, call)
    _reads(report, client, call)


def _who(report: VerifyReport, client: Platform, call: TokenCall) -> None:
    try:
        user = call(client.get_current_user)
    except PSNError as exc:
        report.checks.append(ReadCheck(name="who am I", ok=False, detail=exc.message))
        return
    known = report.handle
    same = not known or not user.handle or user.handle.lower() == known.lower()
    detail = f"@{user.handle or known} (id {user.id})" + ("" if same else f"; psn has it as @{known}")
    report.handle = known or user.handle
    report.checks.append(ReadCheck(name="who am I", ok=True, detail=detail))


def _reads(report: VerifyReport, client: Platform, call: TokenCall) -> None:
    try:
        quota = call(client.publishing_quota)
    except PSNError as exc:
        report.checks.append(ReadCheck(name="publishing quota", ok=False, detail=exc.message))
    else:
        if quota is not None:
            report.quota = quota
            hours = quota.window_seconds // 3600
            detail = f"{quota.used} of {quota.total} posts used in the last {hours} hours ({quota.remaining} left)"
            report.checks.append(ReadCheck(name="publishing quota", ok=True, detail=detail))
    try:
        posting = call(client.posting_settings)
    except PSNError as exc:
        report.checks.append(ReadCheck(name="posting settings", ok=False, detail=exc.message))
        return
    if posting is None:
        return
    report.posting = posting
    off = [
        n
        for n, flag in (
            ("comments", posting.comment_disabled),
            ("duets", posting.duet_disabled),
            ("stitches", posting.stitch_disabled),
        )
        if flag
    ]
    detail = f"privacy levels offered: {', '.join(posting.privacy_levels) or 'none'}"
    if off:
        detail += f"; turned off by the creator: {', '.join(off)}"
    if posting.max_video_seconds:
        detail += f"; videos up to {round(posting.max_video_seconds)} s"
    report.checks.append(ReadCheck(name="posting settings", ok=True, detail=detail))

"""Removing a connected account (`psn auth remove`, the MCP tool remove_account).

psn forgets the account's tokens (the encrypted access and refresh tokens are deleted) and marks the
account ``disconnected``: nothing publishes, refreshes or reads from it any more, and its past posts and
analytics keep pointing at it. Nothing is revoked on the platform itself (psn's access stays listed in
the platform's "connected apps" until the user removes it there; the tokens psn held are gone).
Connecting the same account again makes it active again.

Posts still going out on that account stop the removal, each one listed, unless the caller asks to
cancel them (``cancel_pending``): then they are cancelled with the account, and the result lists them.
A post that is publishing at this moment always stops it (it cannot be cancelled half way).
Only the member who connected an account can remove it: every query names the member, and the hub's
row-level security shows and changes only that member's tokens.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.errors import AccountHasPendingPosts, AccountNotFound, InvalidInput
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.registry import PLATFORMS
from psn_core.timefmt import local

Q = Queries.load(__package__)


class _Account(BaseModel):
    id: UUID
    platform: str
    handle: str
    status: str


class WaitingTarget(BaseModel):
    id: UUID
    post_id: UUID
    status: str
    due_at: datetime | None
    text: str


class _Id(BaseModel):
    id: UUID


class RemovedAccount(BaseModel):
    account_id: UUID
    platform: str
    handle: str
    tokens_deleted: bool = Field(description="False when psn held no tokens any more (removed before).")
    cancelled_targets: list[UUID] = Field(description="Posts on this account cancelled with it.")
    note: str


def _pick(conn: Conn, member_id: UUID, platform: str, handle: str | None) -> _Account:
    name = PLATFORMS[platform].display_name
    accounts = sql.many(conn, Q.accounts_on_platform, {"member_id": member_id, "platform": platform}, _Account)
    if handle:
        wanted = handle.strip().lstrip("@").lower()
        accounts = [a for a in accounts if a.handle.lower() == wanted]
    if not accounts:
        which = f" @{handle.strip().lstrip('@')}" if handle else ""
        raise AccountNotFound(f"You have no {name} account{which} connected to psn.")
    if len(accounts) > 1:
        handles = ", ".join(f"@{a.handle}" for a in accounts)
        raise InvalidInput(
            f"You have {len(accounts)} {name} accounts connected ({handles}).", "Say which one by its handle."
        )
    return accounts[0]


def _describe(target: WaitingTarget, zone: ZoneInfo) -> str:
    first = target.text.strip().splitlines()[0] if target.text.strip() else ""
    return f"[{str(target.post_id)[:8]}] {target.status} {local(target.due_at, zone)}: {first[:60]!r}"


def remove_account(
    conn: Conn,
    member_id: UUID,
    platform: str,
    handle: str | None,
    *,
    cancel_pending: bool,
    zone: ZoneInfo,
    reason: str = "removed by you",
) -> RemovedAccount:
    """Forget one of the member's accounts (see the module docstring).

    Raises:
        AccountNotFound: no such account of this member; InvalidInput: several on that platform and no
        handle given; AccountHasPendingPosts: posts still going out on it (all listed) and not
        ``cancel_pending``, or one publishing right now.
    """
    account = _pick(conn, member_id, platform, handle)
    name = f"{PLATFORMS[platform].display_name} @{account.handle}"
    waiting = sql.many(conn, Q.waiting_targets_of_account, {"account_id": account.id}, WaitingTarget)
    publishing = [t for t in waiting if t.status == "publishing"]
    if publishing or (waiting and not cancel_pending):
        listed = "; ".join(_describe(t, zone) for t in waiting)
        if publishing:
            raise AccountHasPendingPosts(
                f"{name} is publishing a post right now, so it was not removed ({listed}).",
                "Wait until it is published or failed (`psn queue`), then remove the account.",
            )
        raise AccountHasPendingPosts(f"{name} still has {len(waiting)} post(s) waiting to go out: {listed}.")
    cancelled: list[UUID] = []
    if waiting:
        cancelled = [r.id for r in sql.many(conn, Q.cancel_account_targets, {"account_id": account.id}, _Id)]
    ids = {"account_id": account.id, "member_id": member_id}
    deleted = sql.run(conn, Q.delete_account_tokens, ids) > 0
    sql.run(conn, Q.disconnect_account, {**ids, "reason": reason})
    note = (
        f"psn removed {name} and deleted its tokens"
        + (f", and cancelled {len(cancelled)} post(s) waiting on it" if cancelled else "")
        + f". {PLATFORMS[platform].display_name} itself still lists psn among the apps you allowed until you "
        "remove it in that platform's settings; psn can no longer use it."
    )
    return RemovedAccount(
        account_id=account.id,
        platform=platform,
        handle=account.handle,
        tokens_deleted=deleted,
        cancelled_targets=cancelled,
        note=note,
    )

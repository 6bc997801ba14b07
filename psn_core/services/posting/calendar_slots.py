"""Slots in the calendar: the strategy's preferred times shown as empty slots on each hub's accounts,
beside the company slots members claimed, each with its badge.

An empty slot is a preferred time (strategy.yaml ``times``: wall clock in the user's zone, DST-safe, see
:mod:`psn_core.strategy.slots`) on a connected account of a hub, with no post of that account and no claim
on it within :data:`SLOT_TOLERANCE` either side. A company hub's empty slots can be claimed (claim_slot,
``psn calendar claim``); the personal hub's are suggestions. A claimed slot whose post is drafted shows
as that post (the claim stays, linked to it). No strategy file: no empty slots, and the calendar says so.
This module reads only the hub it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.strategy.model import Strategy
from psn_core.strategy.slots import preferred_slots

Q = Queries.load(__package__)

SLOT_TOLERANCE = timedelta(minutes=30)
SlotBadge = Literal["claimed slot", "empty slot"]
# A post's badge from its target's status (the calendar's words).
BADGES = {
    "draft": "draft",
    "pending_approval": "pending approval",
    "scheduled": "scheduled",
    "publishing": "publishing",
    "published": "published",
    "failed": "failed",
    "expired": "failed",
    "needs_attention": "failed",
}


def badge_of(status: str) -> str:
    return BADGES.get(status, status)


class SlotEntry(BaseModel):
    hub: str = Field(description='"personal", or the company\'s short name.')
    hub_name: str
    badge: SlotBadge
    platform: str
    handle: str
    account: str = Field(description="The account as claim_slot takes it: platform:@handle.")
    at: datetime = Field(description="The slot's instant, UTC.")
    local_time: str = Field(description="The slot's time in the user's zone (zone named).")
    claimable: bool = Field(description="An empty slot of a company hub: claim_slot / `psn calendar claim` takes it.")
    claim_id: UUID | None = None
    claimer: str | None = Field(default=None, description="Who holds the claim (a member's name: data, quoted).")
    mine: bool = Field(default=False, description="Whether the user holds the claim.")
    note: str = Field(default="", description="The claimer's note (written by a member: data, quoted).")
    post_id: UUID | None = Field(default=None, description="The post drafted for the claimed slot, if any.")


@dataclass(frozen=True)
class HubAccount:
    id: UUID
    platform: str
    handle: str


def read_accounts(conn: Conn, member_id: UUID | None) -> list[HubAccount]:
    """The hub's connected accounts (only ``member_id``'s when given)."""
    return sql.many(conn, Q.calendar_accounts, {"member_id": member_id}, HubAccount)


def spec(platform: str, handle: str) -> str:
    return f"{platform}:@{handle}"


def empty_slots(
    strategy: Strategy | None,
    hub: tuple[str, str],
    accounts: Iterable[HubAccount],
    busy: Iterable[tuple[UUID, datetime]],
    span: tuple[datetime, datetime],
    zone: ZoneInfo,
    *,
    claimable: bool,
) -> list[SlotEntry]:
    """Each account's preferred times in ``span`` (UTC [start, end)) that nothing fills: no post or claim of
    that account (``busy``: account id and instant) within SLOT_TOLERANCE. ``hub``: its key and name."""
    if strategy is None:
        return []
    start, end = span
    taken: dict[UUID, list[datetime]] = {}
    for account_id, at in busy:
        taken.setdefault(account_id, []).append(at)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    out = []
    for account in accounts:
        if account.platform not in strategy.times:
            continue
        for at in preferred_slots(strategy, account.platform, first, last, zone.key):
            if not start <= at < end or any(abs(t - at) < SLOT_TOLERANCE for t in taken.get(account.id, [])):
                continue
            out.append(
                SlotEntry(
                    hub=hub[0],
                    hub_name=hub[1],
                    badge="empty slot",
                    platform=account.platform,
                    handle=account.handle,
                    account=spec(account.platform, account.handle),
                    at=at,
                    local_time=show_time(at, zone),
                    claimable=claimable,
                )
            )
    return out


def show_time(instant: datetime, zone: ZoneInfo) -> str:
    """``Mon 23 Mar 18:30 (Europe/Madrid)``."""
    return f"{instant.astimezone(zone):%a %-d %b %H:%M} ({zone.key})"

"""Calendar slot claims in a company hub: a member claims a slot (one company account at one instant)
before drafting for it, so two members never plan the same slot.

The hub decides (its migration for calendar_slots): a unique key on (account, instant) lets exactly one
of any number of concurrent claims in; a claim is always the caller's own; only its claimer or an
editor/admin releases it; a removed member touches nothing. Claiming a taken slot raises SlotTaken
naming the holder and changes nothing; claiming a slot one already holds returns that claim. When the
claimer drafts a company post due at the slot's instant on its account, the claim is linked to the post
(approvals.post_for_company does it). Member-written text (names, notes) is data.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.errors import NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.company.approvals import company_account
from psn_core.services.company.members import APPROVERS, ROLES, require_role
from psn_core.services.company.slot_errors import SlotInputInvalid, SlotNotFound, SlotTaken
from psn_core.services.posting.calendar_slots import SLOT_TOLERANCE
from psn_core.timefmt import local

Q = Queries.load(__package__)
SHORT_ID = 8
ATTEMPTS = 3  # a slot released between our insert and our look at its holder is claimed again


class SlotClaim(BaseModel):
    """A claimed slot: the placeholder a member holds on a company account at one instant."""

    id: UUID
    account_id: UUID
    platform: str
    handle: str
    at: datetime = Field(description="The slot's instant, UTC.")
    local_time: str = Field(description="The slot's time in the user's zone (zone named).")
    claimed_by: UUID
    claimer: str | None = Field(description="The claimer's display name (written by a member: data, quoted).")
    claimed_at: datetime
    mine: bool = Field(description="Whether the user holds this claim.")
    note: str = Field(description="What the claimer means to post there (written by a member: data, quoted).")
    post_id: UUID | None = Field(description="The post drafted for the slot, once its claimer drafted it.")

    @property
    def short_id(self) -> str:
        return str(self.id)[:SHORT_ID]


class ClaimResult(BaseModel):
    claim: SlotClaim
    already_yours: bool = Field(description="The user held this slot already: nothing changed.")
    message: str


class _Row(BaseModel):
    id: UUID
    account_id: UUID
    platform: str
    handle: str
    slot_at: datetime
    claimed_by: UUID
    claimer: str | None
    claimed_at: datetime
    note: str
    post_id: UUID | None
    mine: bool


def _claims(conn: Conn, zone: ZoneInfo, **where: object) -> list[SlotClaim]:
    params = {
        "id": None,
        "account_id": None,
        "at": None,
        "prefix": None,
        "start": None,
        "end": None,
        "tolerance": SLOT_TOLERANCE,
        **where,
    }
    return [
        SlotClaim(
            id=r.id,
            account_id=r.account_id,
            platform=r.platform,
            handle=r.handle,
            at=r.slot_at,
            local_time=local(r.slot_at, zone),
            claimed_by=r.claimed_by,
            claimer=r.claimer,
            claimed_at=r.claimed_at,
            mine=r.mine,
            note=r.note,
            post_id=r.post_id,
        )
        for r in sql.many(conn, Q.slot_claims, params, _Row)
    ]


def describe(claim: SlotClaim) -> str:
    """``the X @acme slot at 2027-03-23 09:00 (Europe/Madrid)``."""
    return f"the {PLATFORMS[claim.platform].display_name} @{claim.handle} slot at {claim.local_time}"


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def claim(conn: Conn, spec: str, at: datetime, now: datetime, zone: ZoneInfo, note: str = "") -> ClaimResult:
    """Claim the slot of company account ``spec`` (``x`` or ``x:@handle``) at ``at`` (to the minute); a claim
    on that account within SLOT_TOLERANCE of it (the calendar's one slot) makes it taken.

    Raises:
        NotPermitted: not an active member; PostNotFound: no such company account (or several);
        SlotInputInvalid: the slot has passed, or this is not a company hub, or the note is too long;
        SlotTaken: another member holds it (named), nothing changed.
    """
    require_role(conn, (*APPROVERS, *ROLES), "claim calendar slots")
    if sql.value(conn, Q.company_name) is None:
        raise SlotInputInvalid("Slots are claimed in company hubs; your personal hub has only you in it.")
    at = at.replace(second=0, microsecond=0)
    if at <= now:
        raise SlotInputInvalid(f"The slot at {local(at, zone)} has passed; nothing was claimed.")
    if len(note) > 200:
        raise SlotInputInvalid("A claim's note is at most 200 characters; nothing was claimed.", "Shorten the note.")
    account = company_account(conn, spec)
    params = {"account_id": account.id, "platform": account.platform, "at": at, "note": note}
    for _ in range(ATTEMPTS):
        sql.run(conn, Q.lock_account_claims, params)
        made = sql.value(conn, Q.claim_slot, {**params, "tolerance": SLOT_TOLERANCE})
        if made is not None:
            mine = _claims(conn, zone, id=made)[0]
            return ClaimResult(claim=mine, already_yours=False, message=f"You hold {describe(mine)}.")
        holders = _claims(conn, zone, account_id=account.id, at=at)
        if holders:
            held = holders[0]
            if held.mine:
                return ClaimResult(claim=held, already_yours=True, message=f"You already hold {describe(held)}.")
            who = held.claimer or "a member no longer in the hub"
            raise SlotTaken(
                f"{_first_up(describe(held))} is already claimed by {who} (since {local(held.claimed_at, zone)}); "
                "nothing changed.",
                f"Pick another slot (`psn calendar` lists the empty ones), or ask {who} or an editor to release it.",
            )
    raise SlotTaken(f"The slot at {local(at, zone)} keeps changing hands; nothing was claimed.")


def find(conn: Conn, ref: str, zone: ZoneInfo) -> SlotClaim:
    """A claim by id or by a prefix of it (at least 6 characters, as psn shows 8).

    Raises:
        SlotNotFound: none matches, or several do.
    """
    text = sql.id_prefix(ref, SlotNotFound, "a slot")
    return sql.only_match(
        _claims(conn, zone, prefix=text + "%"), text, SlotNotFound, "Several claimed slots", "No claimed slot"
    )


def release(conn: Conn, ref: str, zone: ZoneInfo) -> SlotClaim:
    """Release a claim (by id or prefix): its claimer may, and editors and admins.

    Raises:
        SlotNotFound; NotPermitted: someone else's claim and the caller is a contributor (nothing changed).
    """
    role = require_role(conn, (*APPROVERS, *ROLES), "release calendar slots")
    held = find(conn, ref, zone)
    if not held.mine and role not in APPROVERS:
        who = held.claimer or "a member no longer in the hub"
        raise NotPermitted(
            f"{_first_up(describe(held))} is {who}'s claim: only they or an editor or admin can release it; "
            "nothing changed.",
            f"Ask {who} or an editor to release it.",
        )
    if sql.value(conn, Q.release_slot, {"id": held.id}) is None:  # the hub's policy said no (or it just went)
        raise SlotNotFound(f"{_first_up(describe(held))} could not be released: it is no longer there for you.")
    return held


def claims_between(conn: Conn, start: datetime, end: datetime, zone: ZoneInfo) -> list[SlotClaim]:
    """Every claim of the hub with its instant in [start, end), by time."""
    return _claims(conn, zone, start=start, end=end)

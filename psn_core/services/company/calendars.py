"""The calendar across hubs: the personal hub, then every company hub in connections/, side by side
(see :mod:`psn_core.services.posting.calendar` for periods, days and the overlap rule, and
:mod:`psn_core.services.posting.calendar_slots` for empty slots), with each company hub's claimed slots.

It lives here, not in the posting wing, because it opens the company hubs it reads: the publishing path
works only on the one hub it was given (tests/integration/test_company_approvals.py checks that).

Empty slots come from the user's strategy (strategy.yaml ``times``) on every hub's connected accounts: the
user plans their week across their own and their companies' accounts with one set of preferred times.
A claim that another post on its account sits next to (within the slot tolerance, not the claim's own
post) is a warning: two members are about to fill the same slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg

from psn_core.config import Settings
from psn_core.errors import PSNError
from psn_core.hub.database import Hub
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.company import slots as claims
from psn_core.services.company.hubs import CompanyHub, list_connections
from psn_core.services.posting.calendar import (
    PERSONAL,
    Calendar,
    HubRead,
    HubStatus,
    Overlap,
    Period,
    Window,
    assemble,
    period_window,
    read_hub,
)
from psn_core.services.posting.calendar_slots import (
    SLOT_TOLERANCE,
    HubAccount,
    SlotEntry,
    empty_slots,
    read_accounts,
    show_time,
    spec,
)
from psn_core.services.strategy import strategy_state
from psn_core.strategy.model import Strategy


@dataclass
class HubView:
    """What one hub contributes: its status, posts (with their account), accounts and claims."""

    status: HubStatus
    reads: list[HubRead] = field(default_factory=list)
    accounts: list[HubAccount] = field(default_factory=list)
    claims: list[claims.SlotClaim] = field(default_factory=list)


def _company(settings: Settings, slug: str, window: Window, zone: ZoneInfo) -> HubView:
    """One company hub's rows, or its status saying why it could not be read (never raises)."""
    try:
        with CompanyHub.open(settings, slug) as company, company.transaction() as conn:
            reads = read_hub(conn, None, slug, company.name, window, zone)
            accounts = read_accounts(conn, None)
            held = claims.claims_between(conn, window.start, window.end, zone)
        return HubView(HubStatus(hub=slug, name=company.name, reachable=True, entries=0), reads, accounts, held)
    except PSNError as exc:
        problem, action = exc.message, exc.action
    except psycopg.Error as exc:
        problem = f"The company hub {slug!r} refused this workspace ({type(exc).__name__})."
        action = "Run `psn doctor`, which checks each company connection: an admin may have removed you from it."
    return HubView(HubStatus(hub=slug, name=slug, reachable=False, entries=0, problem=problem, what_to_do=action))


def _slots(view: HubView, strategy: Strategy | None, window: Window, zone: ZoneInfo, now: datetime) -> list[SlotEntry]:
    """The hub's claimed slots (one whose drafted post shows in the calendar at the slot shows as that post;
    moved elsewhere, the claim shows too) and its empty ones still to come."""
    hub, name = view.status.hub, view.status.name
    shown_posts = {(r.entry.post_id, r.account_id, r.entry.at) for r in view.reads}  # the post at its slot
    out = [
        SlotEntry(
            hub=hub,
            hub_name=name,
            badge="claimed slot",
            platform=c.platform,
            handle=c.handle,
            account=spec(c.platform, c.handle),
            at=c.at,
            local_time=show_time(c.at, zone),
            claimable=False,
            claim_id=c.id,
            claimer=c.claimer,
            mine=c.mine,
            note=c.note,
            post_id=c.post_id,
        )
        for c in view.claims
        if (c.post_id, c.account_id, c.at) not in shown_posts
    ]
    busy = [(r.account_id, r.entry.at) for r in view.reads] + [(c.account_id, c.at) for c in view.claims]
    span = (max(window.start, now), window.end)
    out += empty_slots(strategy, (hub, name), view.accounts, busy, span, zone, claimable=hub != PERSONAL)
    return out


def _claim_overlaps(view: HubView) -> list[Overlap]:
    """A claimed slot with another post of its account next to it (not the one drafted for it)."""
    found = []
    for c in view.claims:
        for r in view.reads:
            e = r.entry
            if r.account_id != c.account_id or e.post_id == c.post_id or abs(e.at - c.at) >= SLOT_TOLERANCE:
                continue
            if e.status not in ("pending_approval", "scheduled", "publishing", "published"):
                continue
            who = c.claimer or "a member no longer in the hub"
            found.append(
                Overlap(
                    kind="claimed_slot",
                    platform=c.platform,
                    minutes_apart=int(abs(e.at - c.at).total_seconds() // 60),
                    target_ids=[e.target_id],
                    message=f"{view.status.name}: {who} claimed the {PLATFORMS[c.platform].display_name} "
                    f"@{c.handle} slot at {c.local_time}, and another post is due on that account at {e.local_time}.",
                )
            )
    return found


def get_calendar(
    hub: Hub,
    settings: Settings,
    member_id: UUID,
    period: Period,
    start: date | None,
    now: datetime,
) -> Calendar:
    """The calendar of ``period`` holding ``start`` (today in the user's zone at ``now`` by default):
    the personal hub, then every company hub in connections/ (an unreachable one reported, not fatal),
    with claimed slots and empty slots (those still to come at ``now``) at the strategy's preferred times.

    Raises:
        HubUnreachable: the personal hub could not be reached.
    """
    zone = settings.zone
    window = period_window(period, start, zone, now)
    with hub.transaction(member_id) as conn:
        personal = HubView(
            HubStatus(hub=PERSONAL, name="Personal", reachable=True, entries=0),
            read_hub(conn, member_id, PERSONAL, "Personal", window, zone),
            read_accounts(conn, member_id),
        )
    views = [personal] + [_company(settings, slug, window, zone) for slug in list_connections(settings.workspace)]
    state = strategy_state(settings.workspace)
    strategy = state.strategy
    reads = [r for v in views for r in v.reads]
    slots = [s for v in views for s in _slots(v, strategy, window, zone, now)]
    overlaps = [o for v in views for o in _claim_overlaps(v)]
    cal = assemble(window, zone, [v.status for v in views], reads, slots, overlaps)
    if strategy is None:
        note = state.warning or "No strategy.yaml: no empty slots shown (`psn strategy init` writes one)."
    else:
        note = "Empty slots: the preferred times of strategy.yaml on each hub's connected accounts."
        if state.warning:
            note += f" {state.warning}"
    return cal.model_copy(update={"slots_note": note})

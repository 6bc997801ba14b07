"""The weekly plan in the hub: make (or make again) a week's plan, read it with its progress, and move its
slots: drafted when a post is saved from one (``save_draft`` with a plan slot id), skipped or planned again.
The hub enforces the plan and slot state machines (see the migration); this module turns its refusals into
sentences. Every function takes a transaction acting as the member (``Hub.transaction``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.plan import candidates, learned
from psn_core.services.plan.allocate import allocate
from psn_core.services.plan.errors import PlanNeedsStrategy, PlanNotFound, PlanSlotRefused
from psn_core.services.plan.models import DONE, Busy, NeedIdeas, PlanSlot, Progress, WeeklyPlan
from psn_core.strategy.model import Strategy
from psn_core.timefmt import local

Q = Queries.load(__package__)


class _Plan(BaseModel):
    id: UUID
    week_start: date
    zone: str
    state: str
    capacity: int
    generated_at: datetime


class SlotForDraft(BaseModel):
    """What a planned slot lends the draft saved from it."""

    id: UUID
    idea_id: UUID | None
    series_id: UUID | None
    occurrence_at: datetime | None
    pillar: str | None


class _SlotRow(SlotForDraft):
    plan_id: UUID
    state: str
    post_id: UUID | None
    plan_state: str


class _Id(BaseModel):
    id: UUID


class _Locked(BaseModel):
    id: UUID
    state: str


def _plan_row(conn: Conn, member_id: UUID, monday: date) -> _Plan | None:
    return sql.one(conn, Q.plan_of_week, {"member_id": member_id, "week_start": monday}, _Plan)


def _slots(conn: Conn, plan_id: UUID, zone: str) -> list[PlanSlot]:
    tz = ZoneInfo(zone)
    rows = sql.many(conn, Q.plan_slots, {"plan_id": plan_id}, PlanSlot)
    return [row.model_copy(update={"local_time": local(row.at, tz)}) for row in rows]


def build_plan(
    conn: Conn,
    member_id: UUID,
    strategy: Strategy | None,
    zone: str,
    now: datetime,
    *,
    week: str | date | None = None,
) -> WeeklyPlan:
    """Make the plan of the ISO week holding ``week`` (default: this week in ``zone`` at ``now``), or make
    it again: slots with a post and skipped slots stay as they are (a skipped slot holds its place), the
    planned ones are allocated anew (see :mod:`allocate`).

    Raises:
        PlanNeedsStrategy: no strategy. PlanInputInvalid: a bad ``week``. PlanSlotRefused: the week's plan
        is completed or abandoned.
    """
    if strategy is None:
        raise PlanNeedsStrategy("There is no strategy.yaml: a plan needs its pillars, posts a week and times.")
    monday = candidates.parse_week(week, zone, now)
    capacity = min(strategy.per_week(), 500)
    params = {"member_id": member_id, "week_start": monday, "zone": zone, "capacity": capacity, "now": now}
    sql.run(conn, Q.insert_plan, params)
    plan = _plan_row(conn, member_id, monday)
    if plan is None:  # pragma: no cover - the insert or a concurrent one made it
        raise PlanNotFound(f"The plan of {candidates.week_label(monday)} could not be made.")
    sql.one(conn, Q.lock_plan, {"plan_id": plan.id}, _Locked)  # one (re)generation of a plan at a time
    if plan.state in ("completed", "abandoned"):
        raise PlanSlotRefused(
            f"The plan of {candidates.week_label(monday)} is {plan.state}: it is not made again.",
            "Plan another week (`psn plan --week YYYY-MM-DD`).",
        )
    zone = plan.zone  # a plan keeps the zone it was made in
    kept = [s for s in _slots(conn, plan.id, zone) if s.post_id is not None or s.state == "skipped"]
    week_input = candidates.gather(conn, member_id, strategy, monday, zone, now, plan.id, kept)
    held = {s.idea_id for s in kept if s.idea_id}  # a skipped idea is not planned again in this week
    week_input.candidates = [c for c in week_input.candidates if c.idea_id is None or c.idea_id not in held]
    specs = allocate(week_input)
    sql.run(conn, Q.drop_open_slots, {"plan_id": plan.id})
    position = max((s.position for s in kept), default=0)
    for spec in specs:
        position += 1
        sql.run(
            conn, Q.insert_slot, {**spec.model_dump(), "plan_id": plan.id, "member_id": member_id, "position": position}
        )
    sql.run(conn, Q.regenerated, {"plan_id": plan.id, "capacity": capacity, "now": now})
    return get_plan(conn, member_id, zone, now, week=monday, strategy=strategy)


def _progress(slots: list[PlanSlot]) -> Progress:
    by_state = Counter(s.state for s in slots)
    skipped = by_state.get("skipped", 0)
    return Progress(
        planned=len(slots) - skipped,
        done=sum(n for state, n in by_state.items() if state in DONE),
        published=by_state.get("published", 0),
        skipped=skipped,
        by_state=dict(sorted(by_state.items())),
    )


def get_plan(
    conn: Conn,
    member_id: UUID,
    zone: str,
    now: datetime,
    *,
    week: str | date | None = None,
    strategy: Strategy | None = None,
) -> WeeklyPlan:
    """The plan of the ISO week holding ``week`` (default this week), with its slots and progress, what the
    preference model changed (notes, resting topics, formats) and the trends offered (see :mod:`learned`).

    Raises:
        PlanNotFound: no plan for that week. PlanInputInvalid: a bad ``week``.
    """
    monday = candidates.parse_week(week, zone, now)
    plan = _plan_row(conn, member_id, monday)
    if plan is None:
        raise PlanNotFound(f"There is no plan for {candidates.week_label(monday)} yet.")
    slots = _slots(conn, plan.id, plan.zone)
    start, end = candidates.week_bounds(monday, plan.zone)
    busy = sql.many(conn, Q.week_busy, {"member_id": member_id, "start": start, "end": end, "plan_id": plan.id}, Busy)
    tz = ZoneInfo(plan.zone)
    used_days = {s.local_day for s in slots if s.state != "skipped"} | {b.at.astimezone(tz).date() for b in busy}
    live = [s for s in slots if s.state != "skipped"]
    need: Counter[tuple[str | None, str]] = Counter((s.pillar, s.language) for s in live if s.kind == "open")
    with_pillar = [s.pillar for s in live if s.pillar]
    mix = {name: round(n / len(with_pillar), 3) for name, n in sorted(Counter(with_pillar).items())}
    warnings = []
    if all(s.at <= now for s in slots) and end <= now:
        warnings.append(f"The week {candidates.week_label(monday)} is over.")
    return WeeklyPlan(
        id=plan.id,
        week=candidates.week_label(monday),
        week_start=monday,
        timezone=plan.zone,
        state=plan.state,
        capacity=plan.capacity,
        generated_at=plan.generated_at,
        slots=slots,
        progress=_progress(slots),
        empty_days=[monday + timedelta(days=n) for n in range(7) if monday + timedelta(days=n) not in used_days],
        already_scheduled=len(busy),
        need_ideas=[NeedIdeas(pillar=p, language=lang, open_slots=n) for (p, lang), n in sorted(need.items(), key=str)],
        pillar_mix=mix,
        pillar_targets={k: round(v, 3) for k, v in strategy.shares().items()} if strategy else {},
        warnings=warnings,
        **learned.extras(conn, member_id, strategy, monday, plan.zone, now, offer_trends=end > now),
    )


def abandon_plan(
    conn: Conn, member_id: UUID, zone: str, now: datetime, *, week: str | date | None = None
) -> WeeklyPlan:
    """Give up the plan of the ISO week holding ``week`` (default this week): it is abandoned and does not
    change any more; posts drafted from it stay and still go out.

    Raises:
        PlanNotFound: no plan for that week. PlanSlotRefused: it is completed or abandoned already.
    """
    monday = candidates.parse_week(week, zone, now)
    plan = _plan_row(conn, member_id, monday)
    if plan is None:
        raise PlanNotFound(f"There is no plan for {candidates.week_label(monday)} to abandon.")
    if not sql.many(conn, Q.abandon_plan, {"plan_id": plan.id}, _Id):
        raise PlanSlotRefused(
            f"The plan of {candidates.week_label(monday)} is {plan.state} already; nothing was changed.",
            "Plan another week (`psn plan --week YYYY-MM-DD`).",
        )
    return get_plan(conn, member_id, zone, now, week=monday)


def resolve_slot(conn: Conn, ref: str | UUID) -> UUID:
    """A slot's id from its id or a prefix of it (at least 6 characters, as the CLI shows 8).

    Raises:
        PlanNotFound: no slot of the member's matches, or several do.
    """
    return sql.id_by_prefix(
        conn,
        ref,
        Q.slot_ids_like,
        PlanNotFound,
        noun="a plan slot",
        several="Several plan slots",
        none="No plan slot of yours",
    )


def slot_for_draft(conn: Conn, ref: str | UUID) -> SlotForDraft:
    """The slot a draft is about to be saved from (it must be planned): its id, and the idea, series
    occurrence and pillar it was planned for.

    Raises:
        PlanNotFound: no such slot. PlanSlotRefused: the slot is drafted already, skipped, or its plan closed.
    """
    slot_id = resolve_slot(conn, ref)
    row = sql.one(conn, Q.slot_by_id, {"slot_id": slot_id}, _SlotRow)
    if row is None:
        raise PlanNotFound(f"No plan slot {str(ref)[:8]} of yours.")
    if row.plan_state in ("completed", "abandoned"):
        raise PlanSlotRefused(f"Plan slot {str(slot_id)[:8]} belongs to a {row.plan_state} plan; nothing was saved.")
    if row.state != "planned":
        raise PlanSlotRefused(
            f"Plan slot {str(slot_id)[:8]} is {row.state}"
            + (f" (post {str(row.post_id)[:8]})" if row.post_id else "")
            + ": a slot is drafted once; nothing was saved.",
            "Edit that post instead, or draft another planned slot (`psn plan show`).",
        )
    return SlotForDraft(
        id=row.id, idea_id=row.idea_id, series_id=row.series_id, occurrence_at=row.occurrence_at, pillar=row.pillar
    )


def attach_post(conn: Conn, slot_id: UUID, post_id: UUID) -> None:
    """The post just saved from a planned slot: the slot is drafted and linked to it (a series slot's post
    is linked to its series occurrence by save_draft, from :func:`slot_for_draft`).

    Raises:
        PlanSlotRefused: the slot was drafted meanwhile (or the hub refused the move).
    """
    try:
        with conn.transaction():
            moved = sql.many(conn, Q.attach_post, {"slot_id": slot_id, "post_id": post_id}, _Id)
    except psycopg.errors.CheckViolation as exc:
        raise PlanSlotRefused(f"The hub refused to draft plan slot {str(slot_id)[:8]}: {_reason(exc)}.") from exc
    if not moved:
        raise PlanSlotRefused(f"Plan slot {str(slot_id)[:8]} was drafted meanwhile; nothing was saved.")


def set_skipped(conn: Conn, ref: str | UUID, skipped: bool) -> PlanSlot:
    """Skip a planned slot (``skipped``) or plan a skipped one again.

    Raises:
        PlanNotFound: no such slot. PlanSlotRefused: it is not planned (to skip) or skipped (to plan again).
    """
    slot_id = resolve_slot(conn, ref)
    row = sql.one(conn, Q.slot_by_id, {"slot_id": slot_id}, _SlotRow)
    if row is None:
        raise PlanNotFound(f"No plan slot {str(ref)[:8]} of yours.")
    from_state: Literal["planned", "skipped"] = "planned" if skipped else "skipped"
    to_state = "skipped" if skipped else "planned"
    if row.state != from_state:
        raise PlanSlotRefused(f"Plan slot {str(slot_id)[:8]} is {row.state}: it cannot be {to_state}.")
    try:
        with conn.transaction():
            params = {"slot_id": slot_id, "from_state": from_state, "to_state": to_state}
            moved = sql.many(conn, Q.set_slot_state, params, _Id)
    except psycopg.errors.CheckViolation as exc:
        raise PlanSlotRefused(f"The hub refused to change plan slot {str(slot_id)[:8]}: {_reason(exc)}.") from exc
    if not moved:
        raise PlanSlotRefused(f"Plan slot {str(slot_id)[:8]} changed meanwhile.")
    return next(s for s in sql.many(conn, Q.plan_slots, {"plan_id": row.plan_id}, PlanSlot) if s.id == slot_id)


def _reason(exc: psycopg.Error) -> str:
    return (exc.diag.message_primary or "not allowed").rstrip(".")

"""The weekly plan's migration probed as a hostile would, with raw SQL on their own connections. The
admin's plan sits in a company hub, with a planned slot. A contributor, a member the admin removed, and
anyone holding only the hub's runtime password (an old invite's address) try to read it, rewrite or skip
its slot, delete it, add a slot to it, abandon it, move it to another week, and make a plan in the admin's
name. Every attempt must fail and leave the admin's plan exactly as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from psn_core.services.company import members
from tests.integration.test_company_members import Company
from tests.support.clock import start_instant
from tests.support.hubs import HOSTILES, hostile_or_refused, try_attack
from tests.support.plan_world import next_week

pytestmark = pytest.mark.pg

T0 = start_instant()
MONDAY = next_week(T0, "UTC")

ATTACKS: dict[str, tuple[str, Callable[[dict[str, uuid.UUID]], list[Any]]]] = {
    "rewrite its slot": ("UPDATE plan_slots SET topic = 'pwned' WHERE id = %s", lambda ids: [ids["slot"]]),
    "skip its slot": ("UPDATE plan_slots SET state = 'skipped' WHERE id = %s", lambda ids: [ids["slot"]]),
    "delete its slot": ("DELETE FROM plan_slots WHERE id = %s", lambda ids: [ids["slot"]]),
    "add a slot": (
        "INSERT INTO plan_slots (plan_id, member_id, position, at, local_day, platform, kind, topic)"
        " VALUES (%s, %s, 9, now(), current_date, 'x', 'idea', 'pwned')",
        lambda ids: [ids["plan"], ids["admin"]],
    ),
    "abandon the plan": ("UPDATE weekly_plans SET state = 'abandoned' WHERE id = %s", lambda ids: [ids["plan"]]),
    "move it to another week": (
        "UPDATE weekly_plans SET week_start = week_start + 7 WHERE id = %s",
        lambda ids: [ids["plan"]],
    ),
    "plan in the admin's name": (
        "INSERT INTO weekly_plans (member_id, week_start, zone, generated_at) VALUES (%s, %s, 'UTC', now())",
        lambda ids: [ids["admin"], MONDAY + timedelta(days=7)],
    ),
    "delete the plan": ("DELETE FROM weekly_plans WHERE id = %s", lambda ids: [ids["plan"]]),
}


@pytest.fixture
def ids(attacked_acme: Company) -> dict[str, uuid.UUID]:
    """The admin's plan with one planned slot."""
    admin = attacked_acme.admin.member_id
    with members.member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        plan = conn.execute(
            "INSERT INTO weekly_plans (member_id, week_start, zone, generated_at) VALUES (%s, %s, 'UTC', %s)"
            " RETURNING id",
            [admin, MONDAY, T0],
        ).fetchone()
        assert plan is not None
        slot = conn.execute(
            "INSERT INTO plan_slots (plan_id, member_id, position, at, local_day, platform, kind, topic)"
            " VALUES (%s, %s, 1, %s, %s, 'x', 'idea', 'Launch recap') RETURNING id",
            [plan["id"], admin, T0 + timedelta(days=7), MONDAY],
        ).fetchone()
        assert slot is not None
    return {"admin": admin, "plan": plan["id"], "slot": slot["id"]}


def _snapshot(attacked_acme: Company) -> tuple[list[Any], list[Any]]:
    with attacked_acme.hub.owner() as conn:
        plans = conn.execute("SELECT id, member_id, week_start, state FROM weekly_plans ORDER BY id").fetchall()
        slots = conn.execute("SELECT id, plan_id, topic, state, post_id FROM plan_slots ORDER BY id").fetchall()
    return plans, slots


@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_see_the_admins_plan(attacked_acme: Company, ids: dict[str, uuid.UUID], who: str) -> None:
    hostile = hostile_or_refused(attacked_acme, who)
    if hostile is None:
        return
    with hostile() as conn:
        seen = conn.execute("SELECT count(*) AS n FROM weekly_plans").fetchone()
        seen_slots = conn.execute("SELECT count(*) AS n FROM plan_slots").fetchone()
    assert seen == {"n": 0} and seen_slots == {"n": 0}, f"{who} could read the admin's plan"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_touch_the_admins_plan(
    attacked_acme: Company, ids: dict[str, uuid.UUID], who: str, attack: str
) -> None:
    before = _snapshot(attacked_acme)
    assert len(before[0]) == 1 and before[1][0]["topic"] == "Launch recap"
    statement, params = ATTACKS[attack]
    try_attack(attacked_acme, who, attack, statement, params(ids), lambda: _snapshot(attacked_acme))

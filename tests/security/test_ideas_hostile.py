"""Migration 0016 (the ideas bank) probed as a hostile would, with raw SQL on their own connections. The
admin's claimed idea sits in a company hub. A contributor, a member the admin removed, and anyone holding
only the hub's runtime password (an old invite's address) try to change it, kill it, delete it, claim it
in someone else's name, forge its history and link it to their own post. Every attempt must fail and
leave the idea and its history exactly as they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from psn_core.services.company import members
from psn_core.services.ideas import bank
from psn_core.services.ideas.tags import parse_idea
from tests.integration.test_company_members import Company
from tests.support.clock import start_instant
from tests.support.hubs import HOSTILES, try_attack

pytestmark = pytest.mark.pg

ATTACKS: dict[str, tuple[str, Callable[[uuid.UUID, uuid.UUID], list[Any]]]] = {
    "rewrite its text": ("UPDATE ideas SET text = 'pwned' WHERE id = %s", lambda idea, me: [idea]),
    "kill it": ("UPDATE ideas SET state = 'killed', kill_reason = 'mine now' WHERE id = %s", lambda idea, me: [idea]),
    "take the claim": ("UPDATE ideas SET claimed_by = %s WHERE id = %s", lambda idea, me: [me, idea]),
    "delete it": ("DELETE FROM ideas WHERE id = %s", lambda idea, me: [idea]),
    "forge its history": (
        "INSERT INTO idea_events (idea_id, member_id, from_state, to_state, by_member)"
        " SELECT id, member_id, 'claimed', 'used', %s FROM ideas WHERE id = %s",
        lambda idea, me: [me, idea],
    ),
    "erase its history": ("DELETE FROM idea_events WHERE idea_id = %s", lambda idea, me: [idea]),
}


@pytest.fixture
def claimed(attacked_acme: Company) -> uuid.UUID:
    """The admin's idea, made ready and claimed by the admin."""
    t0 = start_instant()
    with members.member_transaction(attacked_acme.hub, attacked_acme.admin) as conn:
        idea = bank.capture(conn, attacked_acme.admin.member_id, parse_idea("Launch retrospective #pillar:product"), t0)
        for _ in range(3):  # spark -> seed -> ready -> claimed
            bank.move(conn, idea.id, "promote", t0)
    return idea.id


def _snapshot(attacked_acme: Company, idea: uuid.UUID) -> tuple[Any, list[Any]]:
    with attacked_acme.hub.owner() as conn:
        row = conn.execute(
            "SELECT text, state, claimed_by, kill_reason, member_id FROM ideas WHERE id = %s", [idea]
        ).fetchone()
        events = conn.execute(
            "SELECT from_state, to_state, by_member FROM idea_events WHERE idea_id = %s ORDER BY id", [idea]
        ).fetchall()
    return row, events


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_touch_the_admins_claimed_idea(
    attacked_acme: Company, claimed: uuid.UUID, who: str, attack: str
) -> None:
    before = _snapshot(attacked_acme, claimed)
    assert before[0] is not None and before[0]["state"] == "claimed"
    statement, params = ATTACKS[attack]
    try_attack(
        attacked_acme,
        who,
        attack,
        statement,
        params(claimed, attacked_acme.ann.member_id),
        lambda: _snapshot(attacked_acme, claimed),
    )

"""The calendar slot claims' migration probed as a hostile would, with raw SQL on their own connections.
The admin holds a slot on the company's X account. A contributor, a member the admin removed, and anyone
holding only the hub's runtime password (an old invite's address) try to steal the claim, release it,
move it, link it to their own post, take it over with an upsert, and forge claims in the admin's name.
Every attempt must fail and leave the admin's claims exactly as they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.company import members, slots
from tests.integration.test_company_members import Company, _draft
from tests.support.clock import start_instant
from tests.support.hubs import HOSTILES, HubEnv, assert_refused_and_unchanged, attacked_company, hostile_or_refused

pytestmark = pytest.mark.pg

T0 = start_instant()
SLOT = (T0 + timedelta(days=2)).replace(second=0, microsecond=0)


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    """The attacked company, with the admin's X account (the admin's posts and claims go on it)."""
    return attacked_company(hub_env, x_account=True)


@pytest.fixture
def held(acme: Company) -> uuid.UUID:
    """The admin's claim on the X account's slot."""
    with members.member_transaction(acme.hub, acme.admin) as conn:
        return slots.claim(conn, "x", SLOT, T0, ZoneInfo("UTC"), note="launch").claim.id


# Each attack: its SQL and its parameters from (the claim's id, the attacker's id, the admin's id, a post of Ann's).
Params = Callable[[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID], list[Any]]
ATTACKS: dict[str, tuple[str, Params]] = {
    "steal the claim": ("UPDATE calendar_slots SET claimed_by = %s WHERE id = %s", lambda s, me, a, p: [me, s]),
    "release it": ("DELETE FROM calendar_slots WHERE id = %s", lambda s, me, a, p: [s]),
    "release every claim": ("DELETE FROM calendar_slots", lambda s, me, a, p: []),
    "move it": (
        "UPDATE calendar_slots SET slot_at = slot_at + interval '1 hour' WHERE id = %s",
        lambda s, me, a, p: [s],
    ),
    "rewrite its note": ("UPDATE calendar_slots SET note = 'mine now' WHERE id = %s", lambda s, me, a, p: [s]),
    "link it to their post": ("UPDATE calendar_slots SET post_id = %s WHERE id = %s", lambda s, me, a, p: [p, s]),
    "take it over with an upsert": (
        "INSERT INTO calendar_slots (account_id, platform, slot_at, claimed_by)"
        " SELECT account_id, platform, slot_at, %s FROM calendar_slots WHERE id = %s"
        " ON CONFLICT (account_id, slot_at) DO UPDATE SET claimed_by = excluded.claimed_by",
        lambda s, me, a, p: [me, s],
    ),
    "forge a claim in the admin's name": (
        "INSERT INTO calendar_slots (account_id, platform, slot_at, claimed_by, claimed_at)"
        " SELECT id, platform, %s, %s, now() - interval '30 days' FROM accounts WHERE platform = 'x'",
        lambda s, me, a, p: [SLOT + timedelta(hours=5), a],
    ),
    "forge a claim already linked to a post": (
        "INSERT INTO calendar_slots (account_id, platform, slot_at, post_id)"
        " SELECT id, platform, %s, %s FROM accounts WHERE platform = 'x'",
        lambda s, me, a, p: [SLOT + timedelta(hours=6), p],
    ),
}


def _snapshot(acme: Company) -> list[Any]:
    """Every claim held in the admin's name, and every claim linked to a post (none are)."""
    with acme.hub.owner() as conn:
        return conn.execute(
            "SELECT id, account_id, platform, slot_at, claimed_by, claimed_at, note, post_id FROM calendar_slots"
            " WHERE claimed_by = %s OR post_id IS NOT NULL ORDER BY id",
            [acme.admin.member_id],
        ).fetchall()


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_steal_release_or_forge_a_claim(acme: Company, held: uuid.UUID, who: str, attack: str) -> None:
    before = _snapshot(acme)
    assert [row["id"] for row in before] == [held]
    hostile = hostile_or_refused(acme, who)
    if hostile is None:
        return
    post = _draft(acme.hub, acme.ann, "ann's own post")
    statement, params = ATTACKS[attack]
    args = params(held, acme.ann.member_id, acme.admin.member_id, post)
    assert_refused_and_unchanged(hostile, statement, args, lambda: _snapshot(acme), f"{who} could {attack}")


def test_a_contributors_own_claim_is_always_in_their_own_name(acme: Company, held: uuid.UUID) -> None:
    """What a forged insert can at most do: claim a free slot for the forger themselves."""
    with members.member_transaction(acme.hub, acme.ann) as conn:
        conn.execute(
            "INSERT INTO calendar_slots (account_id, platform, slot_at, claimed_by, claimed_at)"
            " SELECT id, platform, %s, %s, now() - interval '30 days' FROM accounts WHERE platform = 'x'",
            [SLOT + timedelta(hours=5), acme.admin.member_id],
        )
    with acme.hub.owner() as conn:
        row = conn.execute(
            "SELECT claimed_by, claimed_at > now() - interval '1 hour' AS fresh FROM calendar_slots WHERE slot_at = %s",
            [SLOT + timedelta(hours=5)],
        ).fetchone()
    assert row is not None and row["claimed_by"] == acme.ann.member_id and row["fresh"]

"""The preferences migration probed as a hostile would, with raw SQL on their own connections. In a company
hub the admin has a preference model of their own, the brand's model and a pending strategy proposal. A
contributor, a member the admin removed, and anyone holding only the hub's runtime password (an old
invite's address) try to read the admin's model, overwrite or delete it, rewrite or delete the brand's
model, plant a brand model of their own, and approve, rewrite or forge the admin's proposals. Every attempt
must fail and leave the models and the proposal exactly as they were; the contributor still reads the brand
model (the session works, so a refusal is the policy's, not a broken connection's)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from psn_core.errors import NotPermitted
from psn_core.services.company import members
from psn_core.services.learning.loop import refresh_company
from psn_core.services.learning.preferences import load_brand_preferences, refresh_preferences
from tests.integration.test_company_members import Company
from tests.support.clock import start_instant
from tests.support.hubs import HOSTILES, HubEnv, attacked_company, try_attack
from tests.support.learning_world import ZONE

pytestmark = pytest.mark.pg

ATTACKS: dict[str, tuple[str, Callable[[uuid.UUID, uuid.UUID], list[Any]]]] = {
    "overwrite the admin's model": (
        "UPDATE preference_models SET model = '{}'::jsonb WHERE scope = 'member' AND member_id = %s",
        lambda admin, me: [admin],
    ),
    "delete the admin's model": ("DELETE FROM preference_models WHERE member_id = %s", lambda admin, me: [admin]),
    "rewrite the brand model": (
        "UPDATE preference_models SET model = '{}'::jsonb, computed_by = %s WHERE scope = 'brand'",
        lambda admin, me: [me],
    ),
    "delete the brand model": ("DELETE FROM preference_models WHERE scope = 'brand'", lambda admin, me: []),
    "plant a brand model": (
        "INSERT INTO preference_models (scope, model, computed_at, computed_by) VALUES ('brand', '{}', now(), %s)"
        " ON CONFLICT (scope) WHERE scope = 'brand' DO UPDATE SET model = EXCLUDED.model",
        lambda admin, me: [me],
    ),
    "approve the admin's proposal": (
        "UPDATE strategy_proposals SET status = 'approved', decided_at = now() WHERE member_id = %s",
        lambda admin, me: [admin],
    ),
    "rewrite the admin's proposal": (
        "UPDATE strategy_proposals SET value = '99'::jsonb WHERE member_id = %s",
        lambda admin, me: [admin],
    ),
    "forge a proposal for the admin": (
        "INSERT INTO strategy_proposals (member_id, kind, path, value, summary, evidence, created_at)"
        " VALUES (%s, 'frequency', 'frequency.tiktok', '70', 'post more', 'none', now())",
        lambda admin, me: [admin],
    ),
}


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    """The attacked company; the admin has a model of their own, the brand's model and a pending proposal."""
    company = attacked_company(hub_env)
    with members.member_transaction(company.hub, company.admin) as conn:
        refresh_preferences(conn, company.admin.member_id, zone=ZONE, now=start_instant())
        refresh_preferences(conn, company.admin.member_id, zone=ZONE, now=start_instant(), scope="brand")
        conn.execute(
            "INSERT INTO strategy_proposals (member_id, kind, path, value, summary, evidence, created_at)"
            " VALUES (%s, 'frequency', 'frequency.x', '6', 'Plan 6 posts a week on x.', 'posted 6, 7, 6', %s)",
            [company.admin.member_id, start_instant()],
        )
    return company


def _snapshot(acme: Company) -> tuple[list[Any], list[Any]]:
    with acme.hub.owner() as conn:
        models = conn.execute(
            "SELECT scope, member_id, model, computed_by FROM preference_models ORDER BY scope, member_id"
        ).fetchall()
        proposals = conn.execute("SELECT member_id, path, value, status FROM strategy_proposals ORDER BY id").fetchall()
    return models, proposals


def test_the_contributor_reads_the_brand_model_but_not_the_admins_own(acme: Company) -> None:
    with members.member_transaction(acme.hub, acme.ann) as conn:
        assert load_brand_preferences(conn) is not None
        seen = conn.execute("SELECT count(*) AS n FROM preference_models WHERE scope = 'member'").fetchone()
        proposals = conn.execute("SELECT count(*) AS n FROM strategy_proposals").fetchone()
    assert seen is not None and seen["n"] == 0
    assert proposals is not None and proposals["n"] == 0
    with acme.hub.owner() as conn:  # what the contributor did not see is there
        assert conn.execute("SELECT count(*) AS n FROM preference_models").fetchone()["n"] == 2  # type: ignore[index]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_touch_the_admins_preferences_or_proposals(acme: Company, who: str, attack: str) -> None:
    before = _snapshot(acme)
    assert len(before[0]) == 2 and before[1][0]["status"] == "pending"
    statement, params = ATTACKS[attack]
    try_attack(acme, who, attack, statement, params(acme.admin.member_id, acme.ann.member_id), lambda: _snapshot(acme))


def test_an_editor_may_refresh_the_brand_model(acme: Company) -> None:
    with members.member_transaction(acme.hub, acme.editor) as conn:
        model = refresh_preferences(conn, acme.editor.member_id, zone=ZONE, now=start_instant(), scope="brand")
    with acme.hub.owner() as conn:
        row = conn.execute("SELECT computed_by FROM preference_models WHERE scope = 'brand'").fetchone()
    assert model.scope == "brand" and row is not None and row["computed_by"] == acme.editor.member_id


def test_the_company_weekly_run_writes_the_brand_model_only_for_editors_and_admins(acme: Company) -> None:
    later = start_instant() + timedelta(days=7)
    with members.member_transaction(acme.hub, acme.ann) as conn:
        said = refresh_company(conn, acme.ann.member_id, zone=ZONE, now=later)
    assert "brand" not in said
    with acme.hub.owner() as conn:
        brand = conn.execute("SELECT computed_at FROM preference_models WHERE scope = 'brand'").fetchone()
        ann = conn.execute("SELECT 1 FROM preference_models WHERE member_id = %s", [acme.ann.member_id]).fetchone()
    assert brand is not None and brand["computed_at"] == start_instant() and ann is not None
    with members.member_transaction(acme.hub, acme.editor) as conn:
        said = refresh_company(conn, acme.editor.member_id, zone=ZONE, now=later)
    assert "brand model" in said
    with acme.hub.owner() as conn:
        brand = conn.execute("SELECT computed_at FROM preference_models WHERE scope = 'brand'").fetchone()
    assert brand is not None and brand["computed_at"] == later


def test_a_contributor_asking_psn_to_refresh_the_brand_model_is_refused(acme: Company) -> None:
    before = _snapshot(acme)
    with members.member_transaction(acme.hub, acme.ann) as conn, pytest.raises(NotPermitted) as refused:
        refresh_preferences(conn, acme.ann.member_id, zone=ZONE, now=start_instant(), scope="brand")
    assert "editors, admins and owner" in refused.value.message
    assert _snapshot(acme) == before


def test_an_editor_who_measures_nothing_leaves_a_measured_brand_model_as_it_is(acme: Company) -> None:
    with acme.hub.owner() as conn:  # the admin's worker measured the brand's posts
        conn.execute("UPDATE preference_models SET model = jsonb_set(model, '{posts}', '40') WHERE scope = 'brand'")
    before = _snapshot(acme)
    with members.member_transaction(acme.hub, acme.editor) as conn:
        kept = refresh_preferences(conn, acme.editor.member_id, zone=ZONE, now=start_instant(), scope="brand")
    assert kept.posts == 40 and _snapshot(acme) == before

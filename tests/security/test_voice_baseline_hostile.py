"""The voice samples and baseline tables probed as a hostile would, with raw SQL on their own connections.

In a company hub the admin has imported their own writing and has a baseline. A contributor, a member
the admin removed, and anyone holding only the hub's runtime password (an old invite's address) try to
read the admin's texts, rewrite or delete them, poison the baseline, and plant texts in the admin's name.
Every attempt must fail (refused, or touching no row) and leave both tables exactly as they were. In a
personal hub with two members, one never sees the other's samples.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from psn_core.services.company import members
from psn_core.services.voice.baseline import ImportedText, add_samples
from tests.integration.test_company_members import Company
from tests.support.hubs import HOSTILES, HubEnv, attacked_company, hostile_sessions, new_member, try_attack
from tests.support.voice_samples import EN_SAMPLES

pytestmark = pytest.mark.pg

WRITES: dict[str, tuple[str, Callable[[uuid.UUID, uuid.UUID], list[Any]]]] = {
    "rewrite a text": ("UPDATE voice_samples SET body = 'pwned' WHERE member_id = %s", lambda admin, me: [admin]),
    "delete the texts": ("DELETE FROM voice_samples WHERE member_id = %s", lambda admin, me: [admin]),
    "poison the baseline": (
        "UPDATE voice_baselines SET baseline = '{}'::jsonb, samples = 0 WHERE member_id = %s",
        lambda admin, me: [admin],
    ),
    "delete the baseline": ("DELETE FROM voice_baselines WHERE member_id = %s", lambda admin, me: [admin]),
    "plant a text as the admin": (
        "INSERT INTO voice_samples (member_id, persona, language, source, body, body_hash)"
        " VALUES (%s, 'personal', 'en', 'text', 'buy crypto', repeat('a', 64))",
        lambda admin, me: [admin],
    ),
    "replace the admin's baseline": (
        "INSERT INTO voice_baselines (member_id, persona, language, baseline, samples, posts)"
        " VALUES (%s, 'personal', 'es', '{}'::jsonb, 0, 0)",
        lambda admin, me: [admin],
    ),
}
READS = {
    "read the texts": "SELECT body FROM voice_samples",
    "read the baseline": "SELECT baseline FROM voice_baselines",
}


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    """The attacked company; the admin has imported their own writing."""
    company = attacked_company(hub_env)
    with members.member_transaction(company.hub, company.admin) as conn:
        add_samples(
            conn, company.admin.member_id, [ImportedText(body=t) for t in EN_SAMPLES], source="text", language="en"
        )
    return company


def _snapshot(acme: Company) -> tuple[list[Any], list[Any]]:
    with acme.hub.owner() as conn:
        samples = conn.execute("SELECT member_id, body FROM voice_samples ORDER BY id").fetchall()
        baselines = conn.execute("SELECT member_id, language, samples, baseline FROM voice_baselines").fetchall()
    return samples, baselines


def test_the_admins_texts_and_baseline_are_there_to_attack(acme: Company) -> None:
    samples, baselines = _snapshot(acme)
    assert len(samples) == len(EN_SAMPLES) and len(baselines) == 1
    with members.member_transaction(acme.hub, acme.admin) as conn:  # the owner of the rows sees them
        assert len(conn.execute(READS["read the texts"]).fetchall()) == len(EN_SAMPLES)


@pytest.mark.parametrize("attack", sorted(WRITES))
@pytest.mark.parametrize("who", HOSTILES)
def test_a_hostile_cannot_change_the_admins_voice_samples_or_baseline(acme: Company, who: str, attack: str) -> None:
    statement, params = WRITES[attack]
    try_attack(acme, who, attack, statement, params(acme.admin.member_id, acme.ann.member_id), lambda: _snapshot(acme))


@pytest.mark.parametrize("attack", sorted(READS))
def test_a_contributor_reads_none_of_the_admins_writing(acme: Company, attack: str) -> None:
    hostile = hostile_sessions(acme.hub, acme.ann, acme.bob)["contributor"]
    with hostile() as conn:
        assert conn.execute(READS[attack]).fetchall() == [], f"the contributor could {attack}"


def test_in_a_personal_hub_one_member_never_sees_anothers_samples(hub_env: HubEnv) -> None:
    ana, ben = new_member(hub_env.hub, "Ana"), new_member(hub_env.hub, "Ben")
    with hub_env.hub.transaction(ana) as conn:
        add_samples(conn, ana, [ImportedText(body=t) for t in EN_SAMPLES], source="text", language="en")
    with hub_env.hub.transaction(ben) as conn:
        assert conn.execute("SELECT count(*) AS n FROM voice_samples").fetchone() == {"n": 0}
        assert conn.execute("SELECT count(*) AS n FROM voice_baselines").fetchone() == {"n": 0}
        touched = conn.execute("DELETE FROM voice_samples WHERE member_id = %s", [ana]).rowcount
    assert touched == 0
    with hub_env.hub.transaction(ana) as conn:
        assert conn.execute("SELECT count(*) AS n FROM voice_samples").fetchone() == {"n": len(EN_SAMPLES)}

"""The attack tests' judge (tests.support.hubs.assert_refused_and_unchanged) counts only a refusal as one: a
typo'd attack (an unknown table or column, bad syntax) is the test's bug and must fail it, never pass as
"refused"."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.hubs import Company, assert_refused_and_unchanged, hostile_sessions

pytestmark = pytest.mark.pg


@pytest.mark.parametrize(
    "typo",
    [
        "UPDATE postz SET idea = 'x'",  # no such table
        "UPDATE posts SET ideaa = 'x'",  # no such column
        "UPDTE posts SET idea = 'x'",  # syntax
    ],
)
def test_a_typod_attack_is_not_taken_for_a_refusal(attacked_acme: Company, typo: str) -> None:
    hostile = hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)["contributor"]
    with pytest.raises(psycopg.Error):
        assert_refused_and_unchanged(hostile, typo, [], lambda: None, "typo")


def test_a_refusal_by_the_hub_counts(attacked_acme: Company) -> None:
    hostile = hostile_sessions(attacked_acme.hub, attacked_acme.ann, attacked_acme.bob)["contributor"]
    assert_refused_and_unchanged(hostile, "UPDATE members SET role = 'owner'", [], lambda: None, "refused")

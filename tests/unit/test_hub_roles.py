"""Login-role helpers: SCRAM verifiers and where a hub address can be reached from."""

from __future__ import annotations

import re

import pytest

from psn_core.hub.roles import invite_password, new_password, reachable_from_elsewhere, scram_verifier


def test_a_scram_verifier_has_postgres_shape_and_a_fresh_salt_each_time() -> None:
    first, second = scram_verifier("secret"), scram_verifier("secret")
    pattern = r"^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$"
    assert re.match(pattern, first) and first != second
    assert "secret" not in first


def test_invite_passwords_ignore_dashes_spaces_and_case() -> None:
    assert invite_password("abcd-efgh 1234") == invite_password("ABCDEFGH1234") == "ABCDEFGH1234"
    assert len(new_password()) >= 40


@pytest.mark.parametrize(
    ("address", "elsewhere"),
    [
        ("host=/tmp/psn/pg port=5432 dbname=x", False),
        ("dbname=x", False),
        ("postgresql://u@localhost/x", False),
        ("host=127.0.0.1 dbname=x", False),
        ("postgresql://u:p@ep-cool-1.eu-central-1.aws.neon.tech/x?sslmode=require", True),
        ("host=db.example.com,/tmp dbname=x", False),
    ],
)
def test_only_a_network_address_is_reachable_from_another_machine(address: str, elsewhere: bool) -> None:
    assert reachable_from_elsewhere(address) is elsewhere

"""Confirmation tokens on their own: each confirms exactly one proposal (its action and digest), for
TOKEN_TTL_SECONDS, once, and only with the workspace's key. Every attempt here must be refused."""

from __future__ import annotations

import os

import pytest

from psn_core.crypto import Keyring
from psn_core.errors import ConfirmationInvalid
from psn_core.services.posting.confirmations import (
    TOKEN_TTL_SECONDS,
    Proposal,
    SpentTokens,
    check_token,
    digest_of,
    issue_token,
)

NOW = 1_900_000_000.0  # a fixed instant: tokens carry their issue time, nothing reads the clock here


def proposal(action: str = "schedule", text: str = "We shipped it.", at: str = "2031-05-06T07:00:00+00:00") -> Proposal:
    return Proposal(
        action=action,  # type: ignore[arg-type]
        question="Schedule this post?",
        posting_as=["Posting as: Ana for your personal hub on X (@ana)"],
        when="2031-05-06 09:00 (Europe/Madrid) = 2031-05-06 07:00 UTC",
        parts=[f"X @ana, part 1: {text}"],
        digest=digest_of(action, "post-1", at, [text]),
    )


@pytest.fixture
def ring() -> Keyring:
    return Keyring.single(os.urandom(32))


def test_a_token_confirms_its_proposal_once(ring: Keyring) -> None:
    shown, spent = proposal(), SpentTokens()
    token = issue_token(ring, shown, now=NOW)
    check_token(ring, shown, token, spent, now=NOW + 60)
    with pytest.raises(ConfirmationInvalid, match="used already"):
        check_token(ring, shown, token, spent, now=NOW + 61)


@pytest.mark.parametrize(
    "other",
    [
        proposal(action="publish_now"),
        proposal(text="We shipped it!"),
        proposal(at="2031-05-06T08:00:00+00:00"),
    ],
    ids=["another action", "edited content", "another time"],
)
def test_a_token_does_not_confirm_anything_else(ring: Keyring, other: Proposal) -> None:
    token = issue_token(ring, proposal(), now=NOW)
    with pytest.raises(ConfirmationInvalid, match="another action, post, time or content"):
        check_token(ring, other, token, SpentTokens(), now=NOW)


def test_a_token_expires_and_cannot_be_dated_ahead(ring: Keyring) -> None:
    shown = proposal()
    old = issue_token(ring, shown, now=NOW)
    with pytest.raises(ConfirmationInvalid, match="older than"):
        check_token(ring, shown, old, SpentTokens(), now=NOW + TOKEN_TTL_SECONDS + 1)
    ahead = issue_token(ring, shown, now=NOW + 3600)  # would otherwise live an hour longer
    with pytest.raises(ConfirmationInvalid, match="older than"):
        check_token(ring, shown, ahead, SpentTokens(), now=NOW)


def test_a_token_signed_with_another_key_or_malformed_is_refused(ring: Keyring) -> None:
    shown = proposal()
    foreign = issue_token(Keyring.single(os.urandom(32)), shown, now=NOW)
    with pytest.raises(ConfirmationInvalid, match="another action"):
        check_token(ring, shown, foreign, SpentTokens(), now=NOW)
    for garbage in ("", "yes", "now.abc", f"{int(NOW)}"):
        with pytest.raises(ConfirmationInvalid):
            check_token(ring, shown, garbage, SpentTokens(), now=NOW)


def test_a_refused_token_is_not_spent(ring: Keyring) -> None:
    shown, spent = proposal(), SpentTokens()
    token = issue_token(ring, shown, now=NOW)
    with pytest.raises(ConfirmationInvalid):
        check_token(ring, proposal(text="edited"), token, spent, now=NOW)
    check_token(ring, shown, token, spent, now=NOW)

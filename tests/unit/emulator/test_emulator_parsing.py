"""Pure pieces of the emulator: fault grammar, TikTok chunk rules, PKCE, the manual clock."""

from __future__ import annotations

import hashlib

import pytest

from psn_core.emulator import ManualClock, make_pkce_pair, parse_fault_spec, pkce_matches
from psn_core.emulator.tiktok_posting import MB, check_chunks


@pytest.mark.parametrize(
    ("text", "platform", "kind", "endpoint", "count"),
    [
        ("x:401*2", "x", "401", None, 2),
        ("instagram:429*1", "instagram", "429", None, 1),
        ("linkedin:500*3", "linkedin", "500", None, 3),
        ("tiktok:timeout_after_write*1", "tiktok", "timeout_after_write", None, 1),
        ("instagram:stuck_container", "instagram", "stuck", None, 1),
        ("x:revoke_token", "x", "revoke_token", None, 1),
        ("x/create_tweet:503*2", "x", "503", "create_tweet", 2),
    ],
)
def test_fault_specs_parse(text: str, platform: str, kind: str, endpoint: str | None, count: int) -> None:
    spec = parse_fault_spec(text)
    assert (spec.platform, spec.kind, spec.endpoint, spec.count) == (platform, kind, endpoint, count)


@pytest.mark.parametrize("text", ["x", "x:418", "myspace:500", "linkedin:402", "x:500*0", "x:revoke_token*2"])
def test_bad_fault_specs_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="bad fault spec"):
        parse_fault_spec(text)


@pytest.mark.parametrize(
    ("size", "chunk", "count", "ok"),
    [
        (3 * MB, 3 * MB, 1, True),
        (3 * MB, 1 * MB, 3, False),  # under 5 MB must be whole
        (50_000_123, 10_000_000, 5, True),  # the guide's example: trailing bytes join the last chunk
        (50_000_123, 10_000_000, 6, False),
        (70 * MB, 70 * MB, 1, False),  # over 64 MB must be chunked
        (20 * MB, 4 * MB, 5, False),  # chunks under 5 MB
        (200 * MB, 64 * MB, 3, True),  # final chunk 72 MB is fine (up to 128 MB)
    ],
)
def test_tiktok_chunk_rules(size: int, chunk: int, count: int, ok: bool) -> None:
    assert (check_chunks(size, chunk, count) is None) is ok


def test_pkce_accepts_s256_and_tiktok_hex_only_when_allowed() -> None:
    verifier, challenge = make_pkce_pair()
    assert pkce_matches(verifier, challenge, "S256")
    hex_challenge = hashlib.sha256(verifier.encode()).hexdigest()
    assert not pkce_matches(verifier, hex_challenge, "S256")
    assert pkce_matches(verifier, hex_challenge, "S256", allow_hex=True)
    assert pkce_matches("plain-value", "plain-value", "plain")


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock()
    start = clock()
    assert (clock.advance(minutes=5) - start).total_seconds() == 300
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)

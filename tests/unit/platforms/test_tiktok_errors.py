"""TikTok error bodies ({error: {code, message, log_id}}) and the documented chunk rules."""

from __future__ import annotations

import pytest

from psn_core.errors import AuthExpired, AuthRevoked, ContentRejected, MediaRejected, RateLimited
from psn_core.platforms.models import PlatformConfig
from psn_core.platforms.tiktok import TikTokPlatform
from psn_core.platforms.tiktok_rules import MAX_CHUNK, MAX_FINAL_CHUNK, MIN_CHUNK, chunk_plan
from tests.unit.platforms.conftest import response

MB = 1024 * 1024


@pytest.fixture
def tt() -> TikTokPlatform:
    return TikTokPlatform(PlatformConfig())


def _err(code: str, message: str = "") -> dict[str, object]:
    return {"data": {}, "error": {"code": code, "message": message, "log_id": "2023"}}


def test_tiktok_invalid_token_is_auth_expired(tt: TikTokPlatform) -> None:
    assert isinstance(tt.classify_error(response(401, _err("access_token_invalid"))), AuthExpired)


def test_tiktok_missing_scope_is_auth_revoked(tt: TikTokPlatform) -> None:
    assert isinstance(tt.classify_error(response(401, _err("scope_not_authorized"))), AuthRevoked)


def test_tiktok_429_is_rate_limited(tt: TikTokPlatform) -> None:
    error = tt.classify_error(response(429, _err("rate_limit_exceeded"), {"Retry-After": "30"}))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 30


def test_tiktok_daily_cap_is_rate_limited_for_a_day(tt: TikTokPlatform) -> None:
    error = tt.classify_error(response(403, _err("spam_risk_too_many_posts")))
    assert isinstance(error, RateLimited)
    assert error.retry_after == 86400


def test_tiktok_unaudited_client_says_private_only(tt: TikTokPlatform) -> None:
    error = tt.classify_error(response(403, _err("unaudited_client_can_only_post_to_private_accounts")))
    assert isinstance(error, ContentRejected)
    assert "SELF_ONLY" in error.message


def test_tiktok_unverified_url_is_media_rejected(tt: TikTokPlatform) -> None:
    assert isinstance(tt.classify_error(response(403, _err("url_ownership_unverified"))), MediaRejected)


@pytest.mark.parametrize("size", [1, 4 * MB, 5 * MB, 64 * MB])
def test_tiktok_small_videos_are_one_whole_chunk(size: int) -> None:
    plan = chunk_plan(size)
    assert (plan.chunk_size, plan.total_chunk_count) == (size, 1)


@pytest.mark.parametrize("size", [64 * MB + 1, 100 * MB, 1000 * MB + 123, 4096 * MB])
def test_tiktok_large_videos_follow_the_chunk_rules(size: int) -> None:
    plan = chunk_plan(size)
    assert plan.total_chunk_count == size // plan.chunk_size
    assert MIN_CHUNK <= plan.chunk_size <= MAX_CHUNK
    assert 1 <= plan.total_chunk_count <= 1000
    last = size - (plan.total_chunk_count - 1) * plan.chunk_size
    assert plan.chunk_size <= last <= MAX_FINAL_CHUNK

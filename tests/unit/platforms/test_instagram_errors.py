"""Instagram Graph error bodies and usage headers map to the right PlatformError."""

from __future__ import annotations

import json

import pytest

from psn_core.errors import (
    AuthExpired,
    AuthRevoked,
    MediaHostNotConfigured,
    MediaRejected,
    PlatformUnavailable,
    RateLimited,
)
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import PlatformConfig
from tests.unit.platforms.conftest import response


@pytest.fixture
def ig() -> InstagramPlatform:
    return InstagramPlatform(PlatformConfig())


def _graph(code: int, message: str, subcode: int | None = None) -> dict[str, object]:
    error: dict[str, object] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def test_instagram_expired_session_is_auth_expired(ig: InstagramPlatform) -> None:
    error = ig.classify_error(response(400, _graph(190, "Error validating access token: Session has expired", 463)))
    assert isinstance(error, AuthExpired)


def test_instagram_password_change_is_auth_revoked(ig: InstagramPlatform) -> None:
    error = ig.classify_error(response(400, _graph(190, "The session has been invalidated", 460)))
    assert isinstance(error, AuthRevoked)


def test_instagram_rate_limit_reads_business_use_case_usage(ig: InstagramPlatform) -> None:
    usage = {
        "17841400000000000": [
            {
                "type": "instagram",
                "call_count": 100,
                "total_cputime": 10,
                "total_time": 10,
                "estimated_time_to_regain_access": 14,
            }
        ]
    }
    error = ig.classify_error(
        response(400, _graph(4, "Application request limit reached"), {"x-business-use-case-usage": json.dumps(usage)})
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 14 * 60
    assert error.message.startswith("Instagram rate limit reached")


def test_instagram_publish_cap_is_rate_limited(ig: InstagramPlatform) -> None:
    error = ig.classify_error(response(400, _graph(9, "Application request limit reached", 2207042)))
    assert isinstance(error, RateLimited)
    assert "publishing limit" in error.message


def test_instagram_unfetchable_media_is_media_rejected(ig: InstagramPlatform) -> None:
    error = ig.classify_error(response(400, _graph(9004, "Media download has failed.", 2207052)))
    assert isinstance(error, MediaRejected)


def test_instagram_transient_error_is_platform_unavailable(ig: InstagramPlatform) -> None:
    error = ig.classify_error(
        response(500, {"error": {"message": "An unknown error occurred", "code": 1, "is_transient": True}})
    )
    assert isinstance(error, PlatformUnavailable)


def test_instagram_relative_media_without_host_is_a_config_error(ig: InstagramPlatform) -> None:
    with pytest.raises(MediaHostNotConfigured):
        ig.media_url("photos/a.jpg")


def test_instagram_relative_media_joins_the_media_host() -> None:
    ig = InstagramPlatform(PlatformConfig(media_host_url="https://cdn.example.com/psn"))
    assert ig.media_url("photos/a.jpg") == "https://cdn.example.com/psn/photos/a.jpg"

"""X error bodies from docs.x.com (rate limits, response codes) map to the right PlatformError."""

from __future__ import annotations

import time

import pytest

from psn_core.errors import (
    AuthExpired,
    AuthRevoked,
    BillingRequired,
    ContentRejected,
    PlatformUnavailable,
    RateLimited,
)
from psn_core.platforms.models import PlatformConfig
from psn_core.platforms.x import XPlatform
from tests.unit.platforms.conftest import response


@pytest.fixture
def x() -> XPlatform:
    return XPlatform(PlatformConfig())


# The reset headers count from the real time: XPlatform reads them against time.time(), not its clock
# (psn_core/platforms/x_errors.py x_retry_after).
def test_x_429_carries_seconds_until_reset(x: XPlatform) -> None:
    reset = int(time.time()) + 600
    error = x.classify_error(
        response(
            429,
            {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
            {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
        )
    )
    assert isinstance(error, RateLimited)
    assert 590 <= error.retry_after <= 600
    assert error.message.startswith("X rate limit reached")


def test_x_429_prefers_exhausted_24_hour_user_cap(x: XPlatform) -> None:
    now = int(time.time())
    error = x.classify_error(
        response(
            429,
            {"title": "Too Many Requests"},
            {
                "x-rate-limit-reset": str(now + 60),
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(now + 7200),
            },
        )
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after > 7000


def test_x_402_is_billing_required_with_a_billing_message(x: XPlatform) -> None:
    error = x.classify_error(
        response(
            402,
            {
                "title": "CreditsDepleted",
                "type": "https://api.x.com/2/problems/credits",
                "detail": "Your enrolled account does not have any credits to fulfill this request.",
                "status": 402,
            },
        )
    )
    assert isinstance(error, BillingRequired)
    assert "credits" in error.message
    assert "payment method" in error.action


def test_x_401_is_auth_expired(x: XPlatform) -> None:
    error = x.classify_error(
        response(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    )
    assert isinstance(error, AuthExpired)
    assert error.retryable


def test_x_401_revoked_token_is_auth_revoked(x: XPlatform) -> None:
    error = x.classify_error(
        response(401, {"error": "invalid_grant", "error_description": "Value passed for the token was invalid."})
    )
    assert isinstance(error, AuthRevoked)


def test_x_duplicate_post_is_content_rejected(x: XPlatform) -> None:
    error = x.classify_error(
        response(
            403,
            {
                "detail": "You are not allowed to create a Tweet with duplicate content.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
        )
    )
    assert isinstance(error, ContentRejected)


def test_x_503_is_platform_unavailable(x: XPlatform) -> None:
    error = x.classify_error(response(503, {"title": "Service Unavailable", "status": 503}))
    assert isinstance(error, PlatformUnavailable)
    assert error.retryable


def test_x_403_for_a_missing_scope_asks_to_reconnect(x: XPlatform) -> None:
    body = {
        "title": "Forbidden",
        "detail": "The access token lacks the scope this endpoint requires: media.write.",
        "type": "about:blank",
        "status": 403,
    }
    error = x.classify_error(response(403, body))
    assert isinstance(error, AuthRevoked)
    assert "psn auth x" in error.action

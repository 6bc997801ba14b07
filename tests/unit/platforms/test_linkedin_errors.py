"""LinkedIn error bodies ({status, serviceErrorCode, code, message}) map to the right PlatformError."""

from __future__ import annotations

import pytest

from psn_core.errors import AuthExpired, AuthRevoked, ContentRejected, PlatformUnavailable, RateLimited
from psn_core.platforms.linkedin import LinkedInPlatform, escape_little_text
from psn_core.platforms.models import PlatformConfig
from tests.unit.platforms.conftest import response


@pytest.fixture
def li() -> LinkedInPlatform:
    return LinkedInPlatform(PlatformConfig())


def test_linkedin_expired_token_is_auth_expired(li: LinkedInPlatform) -> None:
    error = li.classify_error(
        response(
            401,
            {
                "status": 401,
                "serviceErrorCode": 65601,
                "code": "EXPIRED_ACCESS_TOKEN",
                "message": "The token used in the request has expired",
            },
        )
    )
    assert isinstance(error, AuthExpired)


def test_linkedin_revoked_token_is_auth_revoked(li: LinkedInPlatform) -> None:
    error = li.classify_error(
        response(
            401,
            {
                "status": 401,
                "serviceErrorCode": 65600,
                "code": "REVOKED_ACCESS_TOKEN",
                "message": "The token used in the request has been revoked by the user",
            },
        )
    )
    assert isinstance(error, AuthRevoked)


def test_linkedin_429_waits_until_midnight_utc(li: LinkedInPlatform) -> None:
    error = li.classify_error(
        response(
            429,
            {
                "status": 429,
                "serviceErrorCode": 101,
                "code": "TOO_MANY_REQUESTS",
                "message": "Resource level throttle APPLICATION DAY limit",
            },
        )
    )
    assert isinstance(error, RateLimited)
    assert 0 < error.retry_after <= 86400


def test_linkedin_duplicate_is_content_rejected(li: LinkedInPlatform) -> None:
    error = li.classify_error(
        response(422, {"status": 422, "message": "Content is a duplicate of urn:li:share:7000000000000000000"})
    )
    assert isinstance(error, ContentRejected)


def test_linkedin_500_is_platform_unavailable(li: LinkedInPlatform) -> None:
    assert isinstance(
        li.classify_error(response(500, {"status": 500, "message": "Internal Server Error"})), PlatformUnavailable
    )


def test_linkedin_commentary_escapes_reserved_characters() -> None:
    assert escape_little_text("Hi (all) @x_y 50% * 2 ~ok~") == r"Hi \(all\) \@x\_y 50% \* 2 \~ok\~"


def test_linkedin_hashtags_go_out_as_hashtag_templates() -> None:
    assert escape_little_text("Ship it #DevOps #dev_ops") == r"Ship it {hashtag|\#|DevOps} {hashtag|\#|dev\_ops}"
    assert escape_little_text("\uff03AI") == "{hashtag|\uff03|AI}"  # the full-width sign is a hashtag too


def test_linkedin_signs_that_are_not_hashtags_stay_escaped_text() -> None:
    text = "C# and #1 and a#b, see https://example.com/a#top or www.example.com/#/x"
    assert escape_little_text(text) == (r"C\# and \#1 and a\#b, see https://example.com/a\#top or www.example.com/\#/x")

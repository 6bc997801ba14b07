"""Transport failures: a timeout after a write is OutcomeUnknown; failing before sending is retryable."""

from __future__ import annotations

import httpx2
import pytest

from psn_core.errors import AuthExpired, OutcomeUnknown, PlatformUnavailable
from psn_core.platforms.http import Sender, redact
from psn_core.platforms.models import PlatformConfig, PostPart, PublishRequest
from psn_core.platforms.x import XPlatform


def _x(handler: httpx2.MockTransport) -> XPlatform:
    return XPlatform(PlatformConfig(), client=httpx2.Client(transport=handler))


def test_read_timeout_after_posting_is_outcome_unknown() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("no answer", request=request)

    with pytest.raises(OutcomeUnknown):
        _x(httpx2.MockTransport(handler)).publish("tok", PublishRequest(parts=(PostPart(text="hi"),)))


def test_connect_error_before_posting_is_platform_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    with pytest.raises(PlatformUnavailable):
        _x(httpx2.MockTransport(handler)).publish("tok", PublishRequest(parts=(PostPart(text="hi"),)))


def test_read_timeout_on_a_read_is_platform_unavailable() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow", request=request)

    with pytest.raises(PlatformUnavailable):
        _x(httpx2.MockTransport(handler)).get_current_user("tok")


def test_raw_body_is_kept_with_the_token_masked() -> None:
    token = "secret-access-token-abcdefgh"

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(401, json={"detail": f"bad token {token}", "access_token": token})

    with pytest.raises(AuthExpired) as caught:
        _x(httpx2.MockTransport(handler)).get_current_user(token)
    assert token not in caught.value.raw
    assert "efgh" in caught.value.raw


def test_redact_masks_bearer_and_json_tokens() -> None:
    text = redact('{"refresh_token": "rt-0123456789abcdef"} Authorization: Bearer abcdefghijklmnop')
    assert "0123456789abcdef" not in text
    assert "abcdefghijklmnop" not in text


def test_sender_returns_success_responses() -> None:
    client = httpx2.Client(transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json={})))
    sender = Sender(client, "x", "X", lambda r: PlatformUnavailable("never"))
    assert sender.request("GET", "https://api.example/").status_code == 200

"""The WAHA and Twilio clients against fakes of their documented HTTP APIs (real sockets on 127.0.0.1)."""

from __future__ import annotations

import pytest

from psn_core.notifications.errors import TransportRejected, TransportUnavailable
from psn_core.notifications.transports import TwilioTransport, WahaTransport, waha_chat_id, whatsapp_address
from tests.fakes.twilio import FakeTwilio
from tests.fakes.waha import FakeWaha


def test_recipients_are_normalised_for_each_api() -> None:
    assert waha_chat_id("+34 600-111-222") == "34600111222@c.us"
    assert waha_chat_id("120363000000@g.us") == "120363000000@g.us"
    assert whatsapp_address("+1 (415) 523-8886") == "whatsapp:+14155238886"
    assert whatsapp_address("whatsapp:+14155238886") == "whatsapp:+14155238886"


def test_waha_send_text_uses_the_documented_request_and_returns_the_serialized_id() -> None:
    with FakeWaha() as waha, WahaTransport(waha.base_url, "default", waha.api_key) as client:
        client.ping()
        message_id = client.send("+34600111222", "hello")
        request = waha.requests[-1]
    assert request.method == "POST" and request.path == "/api/sendText"
    assert request.json() == {"session": "default", "chatId": "34600111222@c.us", "text": "hello"}
    assert request.headers["X-Api-Key"] == waha.api_key
    assert message_id == waha.sent[0].message_id and message_id.startswith("true_34600111222@c.us_")


@pytest.mark.parametrize("status", ["STOPPED", "STARTING", "SCAN_QR_CODE", "FAILED"])
def test_waha_ping_fails_unless_the_session_is_working(status: str) -> None:
    with FakeWaha() as waha, WahaTransport(waha.base_url, "default", waha.api_key) as client:
        waha.status = status
        with pytest.raises(TransportUnavailable, match=status) as caught:
            client.ping()
    assert "WAHA dashboard" in caught.value.action


def test_waha_unknown_session_and_wrong_key() -> None:
    with FakeWaha() as waha:
        with WahaTransport(waha.base_url, "work", waha.api_key) as client, pytest.raises(TransportUnavailable):
            client.ping()
        wrong = "wrong-waha-key-0123456789abcdef"
        with WahaTransport(waha.base_url, "default", wrong) as client, pytest.raises(TransportRejected) as caught:
            client.send("+34600111222", "hi")
    assert "401" in caught.value.message and wrong not in caught.value.message


def test_waha_down_is_unavailable_not_an_exception_leak() -> None:
    waha = FakeWaha()
    waha.up()
    base = waha.base_url
    waha.down()
    with WahaTransport(base, "default", waha.api_key) as client, pytest.raises(TransportUnavailable) as caught:
        client.ping()
    assert caught.value.retryable and caught.value.transport == "waha"


def test_twilio_create_message_is_form_encoded_with_basic_auth() -> None:
    with FakeTwilio() as twilio:
        client = TwilioTransport(twilio.base_url, twilio.account_sid, twilio.auth_token, "+14155238886")
        with client:
            client.ping()
            sid = client.send("+34 600 111 222", "hello")
        request = twilio.requests[-1]
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form() == {"To": "whatsapp:+34600111222", "From": "whatsapp:+14155238886", "Body": "hello"}
    assert request.headers["Authorization"].startswith("Basic ")
    assert sid == twilio.sent[0].sid and sid.startswith("SM")


def test_twilio_suspended_account_and_unknown_sender() -> None:
    with (
        FakeTwilio() as twilio,
        TwilioTransport(twilio.base_url, twilio.account_sid, twilio.auth_token, "+15550000000") as client,
    ):
        with pytest.raises(TransportRejected, match="63007"):
            client.send("+34600111222", "hi")
        twilio.account_status = "suspended"
        with pytest.raises(TransportUnavailable, match="suspended"):
            client.ping()

"""WhatsApp transports: WAHA (self-hosted WhatsApp HTTP API) and Twilio's Messages API.

A transport only carries text; the stored notification stays the truth. Documents followed:

* WAHA send: https://waha.devlike.pro/docs/how-to/send-messages/ -- ``POST /api/sendText`` with JSON
  ``{"session", "chatId", "text"}``; chat ids are the international number without ``+`` and ``@c.us``.
* WAHA sessions: https://waha.devlike.pro/docs/how-to/sessions/ -- ``GET /api/sessions/{name}`` answers
  ``status`` STOPPED | STARTING | SCAN_QR_CODE | WORKING | FAILED; only WORKING can send.
* WAHA security: https://waha.devlike.pro/docs/how-to/security/ -- the key goes in ``X-Api-Key``.
  Run WAHA with the WEBJS engine (the most stable; 500 MB+ RAM per session).
* Twilio: https://www.twilio.com/docs/messaging/api/message-resource -- ``POST
  /2010-04-01/Accounts/{AccountSid}/Messages.json``, form fields To / From / Body with ``whatsapp:+E164``
  addresses, HTTP Basic auth AccountSid:AuthToken; errors as ``{"code", "message", "more_info", "status"}``.
* Twilio account: https://www.twilio.com/docs/iam/api/account -- ``GET /2010-04-01/Accounts/{Sid}.json``,
  ``status`` active | suspended | closed (the health ping).

Delivery is at-least-once: a timeout after the request left may still have delivered, and the retry
can send the message twice. For notifications a duplicate beats a loss.
"""

from __future__ import annotations

import json
import re
from typing import Protocol
from uuid import UUID

import httpx2

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.hub.database import Conn
from psn_core.hub.vault import get_secret
from psn_core.masking import SecretRegistry, registry
from psn_core.notifications.errors import TransportNotConfigured, TransportRejected, TransportUnavailable
from psn_core.notifications.models import Prefs

WAHA_KEY_SECRET = "waha_api_key"  # noqa: S105 - the name of a stored secret
TWILIO_TOKEN_SECRET = "twilio_auth_token"  # noqa: S105 - the name of a stored secret
USER_AGENT = "psn/0.1 notifications"
_MAX_ERROR = 300


class Transport(Protocol):
    """What delivery needs from a transport. Both methods raise TransportUnavailable or TransportRejected."""

    name: str

    def send(self, recipient: str, text: str) -> str:
        """Send ``text``; return the provider's message id."""
        ...

    def ping(self) -> None:
        """Succeed only when the transport could deliver right now."""
        ...

    def close(self) -> None: ...


def waha_chat_id(recipient: str) -> str:
    """A WAHA chat id from ``+34 600-111-222`` or an id that already has ``@c.us`` / ``@g.us``."""
    if "@" in recipient:
        return recipient.strip()
    return re.sub(r"\D", "", recipient) + "@c.us"


def whatsapp_address(number: str) -> str:
    """A Twilio WhatsApp address, ``whatsapp:+E164``."""
    bare = number.strip().removeprefix("whatsapp:").strip()
    return "whatsapp:+" + re.sub(r"\D", "", bare)


class _HttpTransport:
    name = ""

    def __init__(self, base_url: str, timeout: float, secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._secrets = SecretRegistry()
        self._secrets.add(secret)
        registry.add(secret)  # so log records anywhere in psn mask it too
        self.client = httpx2.Client(
            timeout=httpx2.Timeout(timeout), headers={"User-Agent": USER_AGENT}, follow_redirects=False
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> _HttpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _redact(self, text: str) -> str:
        return self._secrets.redact(text)[:_MAX_ERROR]

    def _call(self, method: str, path: str, **kwargs: object) -> httpx2.Response:
        """One request; network failures become TransportUnavailable with the secret masked."""
        try:
            return self.client.request(method, self.base_url + path, **kwargs)  # type: ignore[arg-type]
        except httpx2.HTTPError as exc:
            raise TransportUnavailable(
                f"{self.label} did not answer at {self.base_url}: {self._redact(f'{type(exc).__name__}: {exc}')}",
                transport=self.name,
            ) from exc

    @property
    def label(self) -> str:
        return self.name

    def _error_detail(self, response: httpx2.Response) -> str:
        try:
            body = response.json()
        except json.JSONDecodeError:
            return self._redact(response.text.strip() or response.reason_phrase)
        if isinstance(body, dict):
            # Twilio puts its error number in "code" (https://www.twilio.com/docs/api/errors)
            code = f"error {body['code']}: " if isinstance(body.get("code"), int) else ""
            for key in ("message", "error", "exception"):
                if isinstance(body.get(key), str | dict):
                    return self._redact(code + str(body[key]))
        return self._redact(json.dumps(body))

    def _raise_for(self, response: httpx2.Response, *, auth_action: str, busy: frozenset[int] = frozenset()) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = f"{self.label} answered HTTP {status}: {self._error_detail(response)}"
        if status in (401, 403):
            raise TransportRejected(detail, auth_action, transport=self.name)
        if status in (408, 429) or status >= 500 or status in busy:
            raise TransportUnavailable(detail, transport=self.name)
        raise TransportRejected(detail, transport=self.name)


class WahaTransport(_HttpTransport):
    """WAHA: sendText and the session status, authenticated with X-Api-Key."""

    name = "waha"
    label = "WAHA"
    _AUTH_ACTION = "Store the WAHA key again: `psn notifications setup waha --chat-id ... --api-key KEY`."

    def __init__(self, base_url: str, session: str, api_key: str, *, timeout: float = 10.0) -> None:
        super().__init__(base_url, timeout, api_key)
        self.session = session
        self.client.headers["X-Api-Key"] = api_key

    def send(self, recipient: str, text: str) -> str:
        response = self._call(
            "POST", "/api/sendText", json={"session": self.session, "chatId": waha_chat_id(recipient), "text": text}
        )
        # 422: WAHA's "session status is not as expected" while the session restarts or waits for a QR scan
        self._raise_for(response, auth_action=self._AUTH_ACTION, busy=frozenset({422}))
        message_id = _waha_message_id(response)
        if not message_id:
            raise TransportRejected("WAHA accepted the message but returned no message id.", transport=self.name)
        return message_id

    def ping(self) -> None:
        response = self._call("GET", f"/api/sessions/{self.session}")
        if response.status_code == 404:
            raise TransportUnavailable(
                f"WAHA has no session named {self.session!r}.",
                "Start it in the WAHA dashboard (or POST /api/sessions) and scan the QR code, or set PSN_WAHA_SESSION.",
                transport=self.name,
            )
        self._raise_for(response, auth_action=self._AUTH_ACTION)
        status = str(response.json().get("status", "UNKNOWN"))
        if status != "WORKING":
            raise TransportUnavailable(
                f"WAHA session {self.session!r} is {status}, not WORKING.",
                "Open the WAHA dashboard: scan the QR code again (SCAN_QR_CODE) or restart the session "
                "(STOPPED/FAILED). Notifications wait in psn meanwhile.",
                transport=self.name,
            )


def _waha_message_id(response: httpx2.Response) -> str:
    """The id of a sent message: ``id`` is a string, or (WEBJS) an object with ``_serialized``."""
    try:
        body = response.json()
    except json.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    for candidate in (body.get("id"), (body.get("_data") or {}).get("id")):
        if isinstance(candidate, str) and candidate:
            return candidate
        if isinstance(candidate, dict) and isinstance(candidate.get("_serialized"), str):
            return str(candidate["_serialized"])
    return ""


class TwilioTransport(_HttpTransport):
    """Twilio WhatsApp through the Messages API, HTTP Basic auth with the account SID and auth token."""

    name = "twilio"
    label = "Twilio"
    _AUTH_ACTION = "Store the auth token again: `psn notifications setup twilio --to +NUMBER --auth-token TOKEN`."

    def __init__(
        self, base_url: str, account_sid: str, auth_token: str, from_number: str, *, timeout: float = 10.0
    ) -> None:
        super().__init__(base_url, timeout, auth_token)
        self.account_sid = account_sid
        self.from_address = whatsapp_address(from_number)
        self.client.auth = httpx2.BasicAuth(account_sid, auth_token)

    def send(self, recipient: str, text: str) -> str:
        response = self._call(
            "POST",
            f"/2010-04-01/Accounts/{self.account_sid}/Messages.json",
            data={"To": whatsapp_address(recipient), "From": self.from_address, "Body": text},
        )
        self._raise_for(response, auth_action=self._AUTH_ACTION)
        body = response.json()
        if body.get("status") in ("failed", "undelivered") or body.get("error_code"):
            raise TransportRejected(
                f"Twilio refused the message: {body.get('error_code')} {self._redact(str(body.get('error_message')))}",
                transport=self.name,
            )
        sid = body.get("sid")
        if not isinstance(sid, str) or not sid:
            raise TransportRejected("Twilio accepted the message but returned no sid.", transport=self.name)
        return sid

    def ping(self) -> None:
        response = self._call("GET", f"/2010-04-01/Accounts/{self.account_sid}.json")
        self._raise_for(response, auth_action=self._AUTH_ACTION)
        status = response.json().get("status")
        if status != "active":
            raise TransportUnavailable(
                f"The Twilio account is {status}, not active.",
                "Reactivate the account in the Twilio console.",
                transport=self.name,
            )


def build_transport(settings: Settings, conn: Conn, ring: Keyring, member_id: UUID, prefs: Prefs) -> Transport:
    """The member's transport with its key or token read (decrypted) from the hub.

    Raises:
        TransportNotConfigured: the cli transport, or a missing key, token, account SID or sender number.
        DecryptionFailed, UnknownKeyId: the stored secret cannot be read.
    """
    if prefs.transport == "waha":
        key = get_secret(conn, ring, member_id, WAHA_KEY_SECRET)
        if key is None:
            raise TransportNotConfigured("No WAHA API key is stored.")
        return WahaTransport(settings.waha_base_url, settings.waha_session, key, timeout=settings.notify_timeout)
    if prefs.transport == "twilio":
        token = get_secret(conn, ring, member_id, TWILIO_TOKEN_SECRET)
        if token is None:
            raise TransportNotConfigured("No Twilio auth token is stored.")
        if not settings.twilio_account_sid or not settings.twilio_from_number:
            raise TransportNotConfigured(
                "PSN_TWILIO_ACCOUNT_SID and PSN_TWILIO_FROM_NUMBER must be set to send with Twilio.",
                "Run `psn notifications setup twilio` with --account-sid and --from-number, or set them in hub.env.",
            )
        return TwilioTransport(
            settings.twilio_base_url,
            settings.twilio_account_sid,
            token,
            settings.twilio_from_number,
            timeout=settings.notify_timeout,
        )
    raise TransportNotConfigured("Notifications are set to the CLI only: there is no WhatsApp transport.")

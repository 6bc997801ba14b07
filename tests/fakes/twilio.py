"""Fake Twilio REST API for WhatsApp, from https://www.twilio.com/docs/messaging/api/message-resource and
https://www.twilio.com/docs/iam/api/account. HTTP Basic auth AccountSid:AuthToken (401, code 20003).

* ``POST /2010-04-01/Accounts/{Sid}/Messages.json`` form To / From / Body -> 201 Message resource
  (``sid`` SM..., ``status`` queued); 400 with ``{"code", "message", "more_info", "status"}`` errors.
* ``GET /2010-04-01/Accounts/{Sid}.json`` -> the Account resource (``status`` active | suspended | closed).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from email.utils import formatdate

from tests.fakes.loopback import LoopbackServer, Request, Response


@dataclass
class SentMessage:
    to: str
    from_: str
    body: str
    sid: str


def _error(status: int, code: int, message: str) -> Response:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return Response(status, {"code": code, "message": message, "more_info": more_info, "status": status})


class FakeTwilio(LoopbackServer):
    def __init__(
        self,
        account_sid: str = "AC" + "0" * 31 + "1",
        auth_token: str = "twilio-test-token-abcdef0123",  # noqa: S107 - a fake's credential
        from_number: str = "+14155238886",
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_address = f"whatsapp:{from_number}"
        self.account_status = "active"
        self.sent: list[SentMessage] = []

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        return user == self.account_sid and password == self.auth_token

    def handle(self, request: Request) -> Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        prefix = f"/2010-04-01/Accounts/{self.account_sid}"
        if request.method == "GET" and request.path == f"{prefix}.json":
            return Response(
                200,
                {
                    "sid": self.account_sid,
                    "friendly_name": "psn test account",
                    "status": self.account_status,
                    "type": "Full",
                    "uri": f"{prefix}.json",
                },
            )
        if request.method == "POST" and request.path == f"{prefix}/Messages.json":
            return self._create_message(request)
        return _error(404, 20404, f"The requested resource {request.path} was not found")

    def _create_message(self, request: Request) -> Response:
        form = request.form()
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if from_ != self.from_address:
            return _error(400, 63007, "Twilio could not find a Channel with the specified From address")
        if not to.startswith("whatsapp:+"):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sid = "SM" + uuid.uuid4().hex
        self.sent.append(SentMessage(to, from_, body, sid))
        now = formatdate(usegmt=True)
        return Response(
            201,
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": from_,
                "body": body,
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "num_segments": "1",
                "num_media": "0",
                "price": None,
                "price_unit": "USD",
                "error_code": None,
                "error_message": None,
                "date_created": now,
                "date_updated": now,
                "date_sent": None,
                "messaging_service_sid": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
        )

"""Fake WAHA (WhatsApp HTTP API), from https://waha.devlike.pro/docs/how-to/ (sessions, send messages,
security). Requests need ``X-Api-Key`` when a key is set (401 otherwise, as WAHA does).

* ``GET /api/sessions/{name}`` -> ``{"name", "status", "config", "me", "engine"}``; 404 for an unknown name.
* ``POST /api/sendText`` ``{"session", "chatId", "text"}`` -> 201 with the sent message (WEBJS shape: ``id`` is
  an object with ``_serialized``); 422 when the session is not WORKING; 400 for a malformed chat id.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from tests.fakes.loopback import LoopbackServer, Request, Response

CHAT_ID = re.compile(r"^\d{6,15}@(c|g)\.us$")


@dataclass
class SentText:
    session: str
    chat_id: str
    text: str
    message_id: str


class FakeWaha(LoopbackServer):
    def __init__(self, api_key: str = "waha-test-key-0123456789", session: str = "default") -> None:
        super().__init__()
        self.api_key = api_key
        self.session = session
        self.status = "WORKING"
        self.sent: list[SentText] = []

    def handle(self, request: Request) -> Response:
        if self.api_key and request.headers.get("X-Api-Key") != self.api_key:
            return Response(401, {"message": "Unauthorized", "statusCode": 401})
        if request.method == "GET" and request.path.startswith("/api/sessions/"):
            name = request.path.removeprefix("/api/sessions/").strip("/")
            if name != self.session:
                return Response(404, {"statusCode": 404, "message": f"Session '{name}' does not exist"})
            return Response(200, self._session_info())
        if request.method == "POST" and request.path == "/api/sendText":
            return self._send_text(request)
        return Response(404, {"statusCode": 404, "message": f"Cannot {request.method} {request.path}"})

    def _session_info(self) -> dict[str, object]:
        me = {"id": "34600000000@c.us", "pushName": "psn"} if self.status == "WORKING" else None
        return {"name": self.session, "status": self.status, "config": {}, "me": me, "engine": {"engine": "WEBJS"}}

    def _send_text(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return Response(400, {"statusCode": 400, "message": "body must be a JSON object"})
        session, chat_id, text = body.get("session"), body.get("chatId"), body.get("text")
        if session != self.session:
            return Response(404, {"statusCode": 404, "message": f"Session '{session}' does not exist"})
        if not isinstance(chat_id, str) or not CHAT_ID.match(chat_id) or not isinstance(text, str) or not text:
            return Response(400, {"statusCode": 400, "message": "chatId must be like 12132132130@c.us and text set"})
        if self.status != "WORKING":
            return Response(
                422,
                {
                    "statusCode": 422,
                    "message": "Session status is not as expected. Try again later or restart the session",
                    "session": self.session,
                    "status": self.status,
                    "expected": ["WORKING"],
                },
            )
        short = uuid.uuid4().hex[:20].upper()
        serialized = f"true_{chat_id}_{short}"
        self.sent.append(SentText(session, chat_id, text, serialized))
        return Response(
            201,
            {
                "id": {"fromMe": True, "remote": chat_id, "id": short, "_serialized": serialized},
                "body": text,
                "type": "chat",
                "from": "34600000000@c.us",
                "to": chat_id,
                "fromMe": True,
                "ack": 1,
            },
        )

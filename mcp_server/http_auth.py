"""Who may use psn-mcp over HTTP: on a loopback address, anyone on this machine (as with stdio); anywhere
else, only a client sending ``Authorization: Bearer <PSN_MCP_TOKEN>`` on every request. The server serves
every psn tool, publishing included, so it refuses to listen beyond loopback without a token.

The token is read once by ``main()`` and handed here; it is compared in constant time (both sides hashed
first, so not even its length leaks) and registered with the log masking, so no log line shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BEARER_ENV = "PSN_MCP_TOKEN"
MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


def refusal(host: str, port: int) -> str:
    """What psn-mcp prints when asked to listen beyond loopback without a token, and what to do."""
    return (
        f"psn-mcp: refusing to listen on {host}:{port} without a bearer token: every psn tool, publishing "
        "included, would be open to anyone who can reach this address.\n"
        f"What to do: set {BEARER_ENV} to a long random secret (at least {MIN_TOKEN_LENGTH} characters), e.g.\n"
        f"  export {BEARER_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\n"
        f"and have clients send 'Authorization: Bearer <that token>'; or listen on 127.0.0.1 (the default)."
    )


def weak_token(token: str) -> str:
    return (
        f"psn-mcp: {BEARER_ENV} is too short ({len(token)} characters): a bearer token guards every psn tool.\n"
        f"What to do: use at least {MIN_TOKEN_LENGTH} random characters, e.g.\n"
        f"  export {BEARER_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    )


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


class BearerTokenGate:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``, else 401 with a
    body saying what is missing. Lifespan events pass through."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._expected = _digest(f"Bearer {token}".encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        sent = [value for name, value in scope.get("headers", []) if name.lower() == b"authorization"]
        if len(sent) == 1 and hmac.compare_digest(_digest(sent[0].strip()), self._expected):
            await self._app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # policy violation
            return
        reason = "no Authorization header" if not sent else "a different or malformed bearer token"
        await self._refuse(send, reason)

    async def _refuse(self, send: Send, reason: str) -> None:
        body = json.dumps(
            {
                "error": "invalid_token",
                "error_description": f"psn-mcp needs 'Authorization: Bearer <{BEARER_ENV}>' on every request; "
                f"this request had {reason}. Ask whoever runs this server for the token.",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="psn-mcp", error="invalid_token"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

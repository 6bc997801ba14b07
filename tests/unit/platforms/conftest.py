"""Helpers for platform unit tests: documented error bodies turned into real httpx2 responses."""

from __future__ import annotations

import json

import httpx2


def response(status: int, body: object = None, headers: dict[str, str] | None = None) -> httpx2.Response:
    """A response as the platform would send it (the request is attached so .text/.json work)."""
    content = b"" if body is None else json.dumps(body).encode()
    return httpx2.Response(
        status,
        content=content,
        headers={"content-type": "application/json", **(headers or {})},
        request=httpx2.Request("POST", "https://example.invalid/"),
    )

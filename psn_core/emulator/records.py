"""What the emulator received: every request, with secrets masked to their last 4 characters."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict

SECRET_FIELDS = frozenset(
    {"access_token", "refresh_token", "client_secret", "code", "code_verifier", "fb_exchange_token", "token"}
)
_MAX_TEXT_BODY = 64 * 1024


def mask(secret: str) -> str:
    """Keep only the last 4 characters of a secret, as psn does everywhere."""
    return "****" + secret[-4:] if len(secret) > 4 else "****"


def mask_authorization(value: str) -> str:
    scheme, _, credential = value.partition(" ")
    if not credential:
        return mask(scheme)
    return f"{scheme} {mask(credential)}"


class RecordedRequest(BaseModel):
    """One request as the emulator saw it (secrets redacted)."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    platform: str
    endpoint: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    body_size: int


def _redact_pairs(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {key: mask(value) if key in SECRET_FIELDS else value for key, value in pairs}


def _redact_json(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: mask(item) if key in SECRET_FIELDS and isinstance(item, str) else _redact_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(item) for item in value]
    return value


def render_body(body: bytes, content_type: str) -> str:
    """A readable, redacted form of a request body; binary bodies are summarised."""
    if not body:
        return ""
    if "application/x-www-form-urlencoded" in content_type:
        text = body.decode("utf-8", errors="replace")
        return json.dumps(_redact_pairs(parse_qsl(text, keep_blank_values=True)))
    if "json" in content_type:
        try:
            return json.dumps(_redact_json(json.loads(body)))
        except ValueError:
            pass
    if len(body) > _MAX_TEXT_BODY or "multipart" in content_type:
        return f"<{len(body)} bytes {content_type or 'binary'}>"
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(body)} bytes {content_type or 'binary'}>"


def redact_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in headers:
        name = key.lower()
        out[name] = mask_authorization(value) if name == "authorization" else value
    return out


def redact_query(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return _redact_pairs(pairs)


class RequestLog:
    """Thread-safe list of recorded requests."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._items: list[RecordedRequest] = []

    def add(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)
            self._lock.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` requests were recorded; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._items) >= count, timeout=timeout)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

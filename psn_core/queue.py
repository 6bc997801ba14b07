"""The queue's wire format: JSON of a closed set of types, never pickle.

huey stores tasks with pickle by default, and unpickling runs code. A company hub's queue tables are
shared by every member's runtime connection (psn_app), so a pickled row written by one member would run
code on the machine of whoever consumes it. psn's tasks only carry strings and times, so the queue holds
JSON instead: a row anyone could write can at worst name a target, which the publisher checks under the
consumer's own row-level security (and only ever publishes a due, scheduled target once).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from huey.registry import Message
from huey.serializer import Serializer

_FIELDS = frozenset(Message._fields)


class QueueDataRejected(ValueError):
    """A queue row that is not psn's JSON (huey logs it and drops the row; the watchdog re-queues)."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Message):
        return {"__message__": {k: _encode(v) for k, v in value._asdict().items()}}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(v) for k, v in value.items()}}
    raise TypeError(f"psn's queue carries only strings, numbers, times and tuples, not {type(value).__name__}")


def _decode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "__datetime__" and isinstance(inner, str):
            return datetime.fromisoformat(inner)
        if tag == "__tuple__" and isinstance(inner, list):
            return tuple(_decode(v) for v in inner)
        if tag == "__dict__" and isinstance(inner, dict):
            return {str(k): _decode(v) for k, v in inner.items()}
        if tag == "__message__" and isinstance(inner, dict) and set(inner) <= _FIELDS:
            return Message(**{k: _decode(v) for k, v in inner.items()})
    raise QueueDataRejected("a queue row is not psn's JSON format")


class JsonSerializer(Serializer):  # type: ignore[misc]
    """huey's Serializer with JSON in place of pickle."""

    def _serialize(self, data: Any) -> bytes:
        return json.dumps(_encode(data), separators=(",", ":")).encode("utf-8")

    def _deserialize(self, data: bytes) -> Any:
        try:
            decoded = json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise QueueDataRejected("a queue row is not JSON") from exc
        return _decode(decoded)

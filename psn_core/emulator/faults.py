"""Fault injection: a tiny grammar and a book of pending faults.

Grammar (one spec per string)::

    spec     := platform ["/" endpoint] ":" kind ["*" count]
    platform := x | linkedin | instagram | tiktok
    kind     := 401 | 402 | 429 | 500 | 503            next N calls answer with that platform's error
              | timeout_after_write                    next N writes are applied, then the answer is held
              | stuck | stuck_container                next N media/containers never finish processing
              | processing_failed                      next N media/containers end in the failed state
              | revoke_token                           revoke every token of the platform now (no count)

Examples: ``x:401*2``, ``instagram:429*1``, ``linkedin:500*3``, ``tiktok:timeout_after_write*1``,
``instagram:stuck_container``, ``x:revoke_token``, ``x/create_tweet:503*2`` (one endpoint only).
Status faults without an endpoint hit API calls of the platform, not its OAuth or upload endpoints.
"""

from __future__ import annotations

import re
import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict

Platform = Literal["x", "linkedin", "instagram", "tiktok"]
PLATFORMS: tuple[Platform, ...] = ("x", "linkedin", "instagram", "tiktok")

FaultKind = Literal[
    "401", "402", "429", "500", "503", "timeout_after_write", "stuck", "processing_failed", "revoke_token"
]
STATUS_KINDS: frozenset[str] = frozenset({"401", "402", "429", "500", "503"})
PROCESSING_KINDS: frozenset[str] = frozenset({"stuck", "processing_failed"})
_ALIASES = {"stuck_container": "stuck", "stuck_processing": "stuck"}
_SPEC = re.compile(r"^(?P<platform>[a-z]+)(?:/(?P<endpoint>[a-z_]+))?:(?P<kind>[a-z0-9_]+)(?:\*(?P<count>\d+))?$")


class FaultSpec(BaseModel):
    """One parsed fault: what goes wrong, where, and how many more times."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    kind: FaultKind
    endpoint: str | None = None
    count: int = 1


def parse_fault_spec(text: str) -> FaultSpec:
    """Parse ``platform[/endpoint]:kind[*count]``.

    Raises:
        ValueError: if the spec does not follow the grammar or names an unknown platform or kind.
    """
    match = _SPEC.match(text.strip())
    if match is None:
        raise ValueError(f"bad fault spec {text!r}: expected platform[/endpoint]:kind[*count]")
    platform = match["platform"]
    if platform not in PLATFORMS:
        raise ValueError(f"bad fault spec {text!r}: unknown platform {platform!r}")
    kind = _ALIASES.get(match["kind"], match["kind"])
    if kind not in STATUS_KINDS | PROCESSING_KINDS | {"timeout_after_write", "revoke_token"}:
        raise ValueError(f"bad fault spec {text!r}: unknown fault kind {match['kind']!r}")
    if kind == "402" and platform != "x":
        raise ValueError(f"bad fault spec {text!r}: 402 payment-required exists only on x")
    count = int(match["count"]) if match["count"] else 1
    if count < 1:
        raise ValueError(f"bad fault spec {text!r}: count must be at least 1")
    if kind == "revoke_token" and match["count"]:
        raise ValueError(f"bad fault spec {text!r}: revoke_token takes no count")
    return FaultSpec.model_validate({"platform": platform, "kind": kind, "endpoint": match["endpoint"], "count": count})


class FaultBook:
    """Pending faults, consumed one call at a time (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[FaultSpec] = []

    def add(self, spec: FaultSpec) -> None:
        with self._lock:
            self._pending.append(spec)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def pending(self) -> list[FaultSpec]:
        with self._lock:
            return list(self._pending)

    def take_status(self, platform: str, endpoint: str, *, api: bool) -> str | None:
        """Consume the first status fault matching this call; return its kind."""
        return self._take(platform, endpoint, STATUS_KINDS, unscoped_ok=api)

    def take_write_timeout(self, platform: str, endpoint: str) -> bool:
        return self._take(platform, endpoint, frozenset({"timeout_after_write"}), unscoped_ok=True) is not None

    def take_processing(self, platform: str, endpoint: str) -> str | None:
        """Consume a stuck/failed fault for a media item being created; return its kind."""
        return self._take(platform, endpoint, PROCESSING_KINDS, unscoped_ok=True)

    def _take(self, platform: str, endpoint: str, kinds: frozenset[str], *, unscoped_ok: bool) -> str | None:
        with self._lock:
            for index, spec in enumerate(self._pending):
                if spec.platform != platform or spec.kind not in kinds:
                    continue
                if spec.endpoint is None and not unscoped_ok:
                    continue
                if spec.endpoint is not None and spec.endpoint != endpoint:
                    continue
                if spec.count <= 1:
                    del self._pending[index]
                else:
                    self._pending[index] = spec.model_copy(update={"count": spec.count - 1})
                return spec.kind
        return None

"""Shared runtime of the emulator: settings, the world lock, rate windows, held responses, fetching."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx2
from pydantic import BaseModel, ConfigDict

from psn_core.emulator.clock import Clock
from psn_core.emulator.faults import FaultBook
from psn_core.emulator.records import RequestLog


class EmulatorConfig(BaseModel):
    """Knobs of the emulator. Defaults follow the documentation; tests shrink delays and limits."""

    model_config = ConfigDict(frozen=True)

    hold_seconds: float = 30.0
    """How long a ``timeout_after_write`` answer is withheld (released early on stop)."""
    fetch_timeout_seconds: float = 5.0
    """Timeout when the emulator downloads media from image_url / video_url / photo URLs."""
    processing_seconds: float = 5.0
    """Clock seconds a media item stays pending/in progress before it is ready."""
    x_rate_limits: dict[str, int] = {}
    """Per-endpoint 15-minute limits for X, overriding the defaults in x.py."""
    x_access_level: str = "pay_per_use"
    """The emulated X app's access level (x_engage.ACCESS_LEVELS): "free" may not read mentions or search,
    every level but "enterprise" may reply only where the author engaged the account first."""
    linkedin_daily_post_limit: int = 150
    instagram_calls_per_hour: int = 200
    instagram_posts_per_day: int = 100
    tiktok_rate_limits: dict[str, int] = {}
    """Per-endpoint one-minute limits for TikTok, overriding the defaults in tiktok.py."""


@dataclass(frozen=True)
class RateWindow:
    limit: int
    remaining: int
    reset_at: datetime
    exceeded: bool
    used: int


@dataclass
class RateLimiter:
    """Sliding-log limiter keyed by any string (per user and endpoint)."""

    clock: Clock
    _hits: dict[str, deque[datetime]] = field(default_factory=dict)

    def hit(self, key: str, limit: int, window: timedelta) -> RateWindow:
        """Count one call (unless over the limit) and describe the window after it."""
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        exceeded = len(hits) >= limit
        if not exceeded:
            hits.append(now)
        reset_at = (hits[0] if hits else now) + window
        return RateWindow(limit, max(0, limit - len(hits)), reset_at, exceeded, len(hits))


class ResponseHold:
    """Withholds answers for ``timeout_after_write``; ``release_all`` frees them from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._released = False

    def reset(self) -> None:
        with self._lock:
            self._loop, self._event, self._released = None, None, False

    async def hold(self, seconds: float) -> None:
        with self._lock:
            if self._released:
                return
            if self._event is None:
                self._loop, self._event = asyncio.get_running_loop(), asyncio.Event()
            event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)

    def release_all(self) -> None:
        with self._lock:
            self._released = True
            if self._loop is not None and self._event is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._event.set)


@dataclass(frozen=True)
class Fetched:
    ok: bool
    size: int = 0
    content_type: str = ""
    error: str = ""


async def fetch_media(url: str, timeout: float) -> Fetched:
    """Download media the way the platforms do (they cURL the public URL). Never raises."""
    try:
        async with httpx2.AsyncClient(timeout=timeout, follow_redirects=True) as client:
            response = await client.get(url)
    except Exception as exc:  # noqa: BLE001 - any network failure means "could not fetch"
        return Fetched(ok=False, error=f"{type(exc).__name__}: {exc}")
    if response.status_code >= 400:
        return Fetched(ok=False, error=f"HTTP {response.status_code}")
    return Fetched(ok=True, size=len(response.content), content_type=response.headers.get("content-type", ""))


@dataclass
class World:
    """Everything the platform emulators share. Handlers take ``lock`` around state changes."""

    clock: Clock
    config: EmulatorConfig
    faults: FaultBook
    log: RequestLog
    hold: ResponseHold
    base_url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: int = 1_870_000_000_000_000_000

    def next_id(self) -> str:
        """Snowflake-like numeric id, unique across the emulator."""
        with self.lock:
            self._ids += 1
            return str(self._ids)

    def processing_delay(self) -> timedelta:
        return timedelta(seconds=self.config.processing_seconds)

"""Models of the notification system: tiers, stored notifications, preferences, reports."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

TransportName = Literal["cli", "waha", "twilio"]
State = Literal["queued", "digest", "digested", "delivered", "held"]

DEDUP_WINDOW = timedelta(hours=24)
"""A notification with the same dedup key inside this window is a repeat, not a new message."""
BACKLOG_AFTER_FAILED_PINGS = 3
PING_EVERY = timedelta(minutes=5)


class Tier(StrEnum):
    """How much a notification matters. CRITICAL is always delivered (quiet hours and caps do not apply)."""

    CRITICAL = "critical"
    STANDARD = "standard"
    ENGAGEMENT = "engagement"

    @property
    def rank(self) -> int:
        """0 for the most important tier; a tier is pushed when its rank <= the threshold's rank."""
        return (Tier.CRITICAL, Tier.STANDARD, Tier.ENGAGEMENT).index(self)


class Notification(BaseModel):
    """One stored notification: the truth, whatever happened to its delivery."""

    model_config = ConfigDict(frozen=True)

    id: int
    member_id: UUID
    tier: Tier
    kind: str
    dedup_key: str
    title: str | None
    body: str
    action: str
    state: State
    held_reason: str | None
    repeat_count: int
    created_at: datetime
    last_seen_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    digest_id: int | None
    digest_local_date: date | None

    def text(self) -> str:
        """The message as a transport sends it: what happened, then what to do."""
        lines = [f"psn: {self.title}"] if self.title else []
        repeat = f" (seen {self.repeat_count} times)" if self.repeat_count > 1 else ""
        lines += [f"{self.body}{repeat}", self.action]
        return "\n".join(lines)


class Prefs(BaseModel):
    """A member's notification preferences. Times are wall-clock times in the member's zone."""

    transport: TransportName = "cli"
    recipient: str | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    threshold: Tier = Tier.ENGAGEMENT
    daily_cap: int = Field(default=10, ge=0, le=1000)
    digest_hour: int = Field(default=9, ge=0, le=23)

    @model_validator(mode="after")
    def _consistent(self) -> Prefs:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet hours need both a start and an end")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet hours must start and end at different times")
        if self.transport != "cli" and not self.recipient:
            raise ValueError(f"the {self.transport} transport needs a recipient")
        return self


class DeliveryAttempt(BaseModel):
    id: int
    notification_id: int
    transport: str
    status: Literal["sent", "failed"]
    provider_message_id: str | None
    error: str | None
    attempted_at: datetime


class Health(BaseModel):
    transport: str
    consecutive_failures: int = 0
    backlog_since: datetime | None = None
    last_ping_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = None

    @property
    def in_backlog(self) -> bool:
        return self.backlog_since is not None


class DeliveryReport(BaseModel):
    """What one delivery run did."""

    delivered: list[int] = []
    failed: list[int] = []
    held: list[int] = []
    waiting: list[int] = []
    """Non-critical notifications deferred by quiet hours; they go out after the quiet hours end."""
    backlog: bool = False
    """True when the run sent nothing because the transport is in backlog mode."""
    error: str | None = None


class PingReport(BaseModel):
    ok: bool
    consecutive_failures: int
    backlog: bool
    entered_backlog: bool = False
    recovered: bool = False
    error: str | None = None
    delivered: DeliveryReport | None = None
    """The backlog delivery that followed a recovery."""


class DigestReport(BaseModel):
    digest_id: int
    local_date: date
    items: int
    text: str


class NotificationList(BaseModel):
    """Notifications for display, with the member's zone so every time is shown in it."""

    timezone: str
    items: list[Notification]

    def local(self, instant: datetime) -> str:
        return format_local(instant, self.timezone)


def format_local(instant: datetime, timezone: str) -> str:
    """An instant as the member reads it: local date and time with the zone named."""
    return f"{instant.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"

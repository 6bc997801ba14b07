"""What the engagement inbox hands its edges (CLI, MCP tools, worker)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

OPEN_STATES = ("new", "yes", "skipped")
Verdict = Literal["yes", "no", "skip"]
EXPIRY_HOURS = 48


class Opportunity(BaseModel):
    """One conversation worth a look, with its score and (once confirmed) its reply."""

    id: UUID
    account_id: UUID
    platform: str
    handle: str = Field(description="The user's account it was found for.")
    remote_id: str
    source: str = Field(description="mentions, search or comments.")
    author_handle: str
    author_followers: int | None
    text: str
    url: str | None
    addressed: bool = Field(description="Whether the author addressed the user directly.")
    score: float
    score_parts: dict[str, Any]
    state: str = Field(description="new, yes, no, skipped, replied or expired.")
    said_at: datetime
    found_at: datetime
    expires_at: datetime
    in_reply_to_id: str | None
    conversation_id: str | None
    reply_id: UUID | None = None
    reply_state: str | None = None
    reply_text: str | None = None
    reply_remote_id: str | None = None
    can_reply: bool = True
    reply_note: str = Field(default="", description="Why psn cannot post a reply here, when it cannot.")


class Triaged(BaseModel):
    id: UUID
    verdict: Verdict
    state: str
    note: str = ""


class Reply(BaseModel):
    """A reply the user confirmed, and where it stands."""

    id: UUID
    opportunity_id: UUID
    account_id: UUID
    platform: str
    in_reply_to: str
    text: str
    idempotency_key: str
    state: str = Field(description="confirmed, sending, sent, unknown or failed.")
    remote_id: str | None
    attempts: int
    error_message: str | None
    confirmed_at: datetime
    sending_at: datetime | None
    sent_at: datetime | None
    outcome: dict[str, Any] | None
    handle: str


class SourceLine(BaseModel):
    source: str
    state: str = Field(description="ready, off, waiting, refused or unavailable.")
    note: str
    checked_at: datetime | None = Field(default=None, description="When psn last read it (None: not yet).")


class AccountAbilities(BaseModel):
    """What psn can and cannot do with one connected account's conversations, and why."""

    account_id: UUID
    platform: str
    handle: str
    enabled: bool
    can_reply: bool
    sources: list[SourceLine]
    rule: str
    cannot: str
    replies_today: int
    daily_cap: int


class AccountSweep(BaseModel):
    account_id: UUID
    platform: str
    handle: str
    found: int = 0
    new: int = 0
    skipped: str = ""
    stopped: str = ""


class SweepReport(BaseModel):
    at: datetime
    accounts: list[AccountSweep]
    expired: int = 0
    notified: int = 0
    outcomes: int = 0

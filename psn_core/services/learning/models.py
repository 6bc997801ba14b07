"""The preference model (one per member, one per company brand) and the learning loop's records.

Scores follow psn_core.services.analytics.models: a platform's **score** is weighted engagements per
1,000 exposures, compared within that platform only. Across platforms psn compares a **lift**: the
weighted engagements a group of posts earned over what its exposure would have earned at each post's
platform average (1.0 = typical, 1.3 = 30 % better), so a pillar on X and LinkedIn is judged fairly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field


class FormatPref(BaseModel):
    platform: str
    format: str
    posts: int
    score: float = Field(description="Weighted engagements per 1,000 exposures on that platform.")


class LiftPref(BaseModel):
    """A group of posts (a pillar, a weekday, a hook pattern, a topic) and how it did against typical."""

    key: str
    posts: int
    lift: float = Field(description="Weighted engagements over the platform-typical for its exposure (1.0 = typical).")


class HourPref(BaseModel):
    platform: str
    hour: int = Field(ge=0, le=23, description="Local hour in the member's zone.")
    posts: int
    score: float


class EditPattern(BaseModel):
    kind: Literal["removes", "adds", "sentence_length", "edit_ratio"]
    value: str = Field(description="The word or phrase, or a number as text.")
    count: int = Field(description="How many approvals showed it.")


class FatiguedTopic(BaseModel):
    topic: str
    posts: int
    lift: float
    rest_until: date = Field(description="psn does not propose it before this day (in the member's zone).")


class KilledReason(BaseModel):
    reason: str
    count: int


class FollowerPoint(BaseModel):
    platform: str
    handle: str
    week: date = Field(description="The Monday of the week (member's zone).")
    followers: int


class Preferences(BaseModel):
    """What psn has learned about what works for this member (or brand)."""

    scope: Literal["member", "brand"] = "member"
    computed_at: datetime
    timezone: str
    weeks: int = Field(description="Weeks of posts the model looked at.")
    posts: int = Field(description="Measured posts in those weeks.")
    top_formats: list[FormatPref] = Field(default_factory=list, description="Best formats per platform first.")
    pillars: list[LiftPref] = Field(default_factory=list, description="Pillars by lift, best first.")
    hours: list[HourPref] = Field(default_factory=list, description="Best local hours per platform, best first.")
    weekdays: list[LiftPref] = Field(default_factory=list, description="Weekdays (mon..sun) by lift, best first.")
    hook_patterns: list[LiftPref] = Field(default_factory=list, description="Opening-line patterns by lift.")
    edit_patterns: list[EditPattern] = Field(default_factory=list, description="What the user changes in drafts.")
    fatigued_topics: list[FatiguedTopic] = Field(default_factory=list, description="Topics resting, until when.")
    killed_reasons: list[KilledReason] = Field(default_factory=list, description="Why ideas were killed.")
    followers: list[FollowerPoint] = Field(default_factory=list, description="Weekly follower counts per account.")
    dropped_formats: list[str] = Field(
        default_factory=list, description="platform.format pairs the user agreed to drop (approved proposals)."
    )


ProposalKind = Literal["add_pillar", "drop_format", "frequency"]
ProposalStatus = Literal["pending", "approved", "rejected"]


class Proposal(BaseModel):
    """A bigger strategy change psn found evidence for: nothing changes until the user approves it."""

    id: int
    kind: ProposalKind
    path: str = Field(description="The strategy field it sets, or format.<platform>.<format> for a dropped format.")
    value: Any = Field(default=None, description="The value it would set (null: drop).")
    summary: str = Field(description="The change in one sentence.")
    evidence: str = Field(description="Why: the numbers behind it.")
    post_ids: list[UUID] = Field(default_factory=list, description="The posts that are the evidence.")
    status: ProposalStatus
    created_at: datetime
    decided_at: datetime | None = None


class ChangeLine(BaseModel):
    """One entry of the strategy changelog, as the review shows it."""

    at: datetime
    actor: str = Field(description="psn (automatic, from evidence) or user.")
    path: str
    old: Any = None
    new: Any = None
    evidence: str


class MonthlyShift(BaseModel):
    key: str = Field(description="A platform, a language or an account (platform @handle).")
    before: float
    now: float


class MonthlyLearning(BaseModel):
    """The monthly part of the review: voice drift and audience shifts, this month against the one before."""

    month: str = Field(description="YYYY-MM in the member's zone.")
    edits: int = Field(description="Approvals recorded this month.")
    edit_ratio: MonthlyShift | None = Field(description="Mean share of a draft the user rewrote (0-1).")
    naturalness: MonthlyShift | None = Field(description="Mean naturalness after editing (0-100).")
    sentence_words: MonthlyShift | None = Field(description="Mean words per sentence of what was posted.")
    exposure_share: list[MonthlyShift] = Field(description="Each platform's and language's share of posts (0-1).")
    followers: list[MonthlyShift] = Field(description="Followers per account, at the end of each month.")
    notes: list[str] = Field(description="The drift and shifts in plain sentences.")


class LearningSection(BaseModel):
    """What the review adds about learning: what changed and why, and what psn asks the user."""

    changes: list[ChangeLine] = Field(description="Strategy changes since the reviewed week began, oldest first.")
    proposals: list[Proposal] = Field(description="Pending proposals for the user to approve or reject.")
    monthly: MonthlyLearning | None = Field(default=None, description="The monthly part (voice drift, audience).")

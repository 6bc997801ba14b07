"""What analytics measure and return: the definitions (exposure, engagement rate, engagement score,
formats, the recency schedule, suppression thresholds) and the pydantic models the edges print.

Definitions, kept in one place so the summary, the report and the docs agree:

* **exposure**: the platform's own reach measure of a post: impressions (X, LinkedIn), else views
  (Instagram, TikTok), else reach. Comparable within one platform only.
* **engagements**: likes + comments + shares + saves (reposts and quotes count as shares).
* **engagement rate**: engagements / exposure.
* **engagement score** (per platform): weighted engagements per 1,000 exposures, where a comment
  weighs 3, a share or a save 2 and a like 1 (effort to engage, and what the platforms' rankers say
  they reward). Exposure differs by platform, so scores compare posts *within* a platform; the
  summary shows one score per platform and never averages scores across platforms.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

Format = Literal["text", "thread", "image", "carousel", "video", "document", "article"]

WEIGHTS = {"likes": 1, "comments": 3, "shares": 2, "saves": 2}

# Recency schedule: how often a published post's metrics are collected, by its age.
# (age below, interval) pairs; an interval of zero means every sweep run (twice an hour).
SCHEDULE: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=2), timedelta(0)),
    (timedelta(days=7), timedelta(hours=6)),
    (timedelta(days=30), timedelta(days=1)),
)
MAX_AGE = timedelta(days=30)  # none after this, unless a forced sweep asks
FOLLOWERS_EVERY = timedelta(days=1)

# Suppression: impressions more than 50% below the account's 30-day average ...
LOW_IMPRESSIONS_RATIO = 0.5
# ... judged only once a post is a day old and the account has a few posts to average.
FLAG_MIN_AGE = timedelta(hours=24)
BASELINE_MIN_POSTS = 3
# High reach (at least the account's average and this many exposures) with near-zero engagement.
HIGH_REACH_MIN = 1000
NEAR_ZERO_RATE = 0.001

PAGE_SIZE = 20


def next_due(published_at: datetime, now: datetime) -> datetime | None:
    """When a post published at ``published_at`` is next collected after a collection at ``now``."""
    age = now - published_at
    for below, every in SCHEDULE:
        if age < below:
            return now + every
    return None


def engagement_rate(engagements: int, exposure: int) -> float | None:
    return round(engagements / exposure, 5) if exposure > 0 else None


def engagement_score(weighted: int, exposure: int) -> float | None:
    return round(1000 * weighted / exposure, 2) if exposure > 0 else None


class Totals(BaseModel):
    """Sums over a set of posts, with the rate and score derived from them."""

    posts: int = 0
    exposure: int = 0
    impressions: int = 0
    views: int = 0
    reach: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    saves: int = 0
    engagements: int = 0
    weighted: int = 0
    engagement_rate: float | None = Field(default=None, description="engagements / exposure")
    engagement_score: float | None = Field(default=None, description="weighted engagements per 1,000 exposures")


class Split(Totals):
    """Totals for one value of a dimension (a platform, a language or a format)."""

    key: str


class PostLine(BaseModel):
    target_id: UUID
    post_id: UUID
    platform: str
    language: str
    format: Format
    published_at: datetime
    published_local: str
    text: str = Field(description="The first 80 characters of the post.")
    exposure: int
    engagements: int
    engagement_rate: float | None
    engagement_score: float | None
    flags: list[str] = Field(default_factory=list, description="Suppression signals, as sentences.")


class PeriodLine(Totals):
    period_start: str = Field(description="Monday of the week (or the 1st of the month), in the user's zone.")


class Freshness(BaseModel):
    as_of: datetime | None = Field(description="When the newest metrics were collected (UTC); None: never.")
    as_of_local: str = Field(description='"metrics as of 2026-03-02 14:05 (Europe/Madrid)" or "no metrics yet".')
    stale_accounts: list[str] = Field(
        default_factory=list, description="Accounts whose last sweep stopped early, with when it continues."
    )


class Summary(BaseModel):
    """The last ``days`` days of published posts, read from the hub only."""

    days: int
    since: datetime
    timezone: str
    freshness: Freshness
    totals: Totals
    platforms: list[Split]
    languages: list[Split]
    formats: list[Split]
    flagged: list[PostLine]
    followers: dict[str, int] = Field(default_factory=dict, description="Latest follower count per account.")
    page: int
    pages: int
    posts: list[PostLine] = Field(description=f"Newest first, {PAGE_SIZE} per page.")
    weeks: list[PeriodLine] = Field(description="Weekly rollups of the last 12 weeks, oldest first.")


class History(BaseModel):
    period: Literal["week", "month"]
    timezone: str
    page: int
    pages: int
    lines: list[PeriodLine] = Field(description="Newest first.")


class AccountSweep(BaseModel):
    account_id: UUID
    platform: str
    handle: str
    due: int
    collected: int
    followers: int | None = None
    stopped: str | None = Field(default=None, description="Why the sweep of this account stopped early.")
    skipped: str | None = Field(
        default=None, description="Why metrics were not collected at all (a permission the account lacks)."
    )
    resume_at: datetime | None = None


class SweepResult(BaseModel):
    at: datetime
    forced: bool
    accounts: list[AccountSweep]

    def __str__(self) -> str:
        parts = [
            f"{a.platform}@{a.handle} {a.collected}/{a.due}"
            + (f" (stopped: {a.stopped})" if a.stopped else "")
            + (f" (skipped: {a.skipped})" if a.skipped else "")
            for a in self.accounts
        ]
        return "; ".join(parts) or "no accounts"


class RefreshRequested(BaseModel):
    requested_at: datetime
    message: str

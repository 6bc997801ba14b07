"""The ``engagement:`` section of strategy.yaml: what the engagement inbox looks for and the limits on replies.

Every field has a default, so a strategy without the section engages with care: mentions and comments on
X and Instagram, at most 10 replies a day per platform, a day between two replies to the same author.
``platforms`` and ``daily_replies`` are merged over these defaults (``{x: false}`` leaves Instagram on).
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

EngagePlatform = Literal["x", "linkedin", "instagram", "tiktok"]
HANDLE = re.compile(r"^[A-Za-z0-9_.]{1,64}$")
ClockTime = Annotated[str, Field(pattern=r"^([01]?\d|2[0-3]):[0-5]\d$", description="HH:MM in the user's zone.")]


def _default_platforms() -> dict[EngagePlatform, bool]:
    return {"x": True, "instagram": True}


DEFAULT_CAP = 10


def _default_caps() -> dict[EngagePlatform, int]:
    return {"x": DEFAULT_CAP, "instagram": DEFAULT_CAP}


class QuietHours(BaseModel):
    """A daily span (in the user's zone) when psn sends no replies; it may cross midnight (22:00-07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: ClockTime
    end: ClockTime

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone).time()
        start, end = time.fromisoformat(self.start.zfill(5)), time.fromisoformat(self.end.zfill(5))
        return start <= local < end if start <= end else local >= start or local < end


class Engagement(BaseModel):
    """engagement: keywords, platforms on/off, daily caps, author cooldown, blocklist, quiet hours."""

    model_config = ConfigDict(extra="forbid")

    keywords: list[Annotated[str, Field(min_length=2, max_length=60)]] = Field(
        default_factory=list, max_length=20, description="Words of your niche: scored, and searched where allowed."
    )
    platforms: dict[EngagePlatform, bool] = Field(
        default_factory=_default_platforms, description="Which platforms the inbox reads."
    )
    daily_replies: dict[EngagePlatform, Annotated[int, Field(ge=0, le=200)]] = Field(
        default_factory=_default_caps, description="Most replies a day per platform."
    )
    author_cooldown_hours: int = Field(default=24, ge=0, le=720, description="Hours between replies to one author.")
    blocklist: list[str] = Field(default_factory=list, max_length=500, description="Handles psn never answers.")
    quiet_hours: QuietHours | None = Field(default=None, description="When no replies are sent.")
    notify_score: float = Field(default=0.7, ge=0, le=1, description="Opportunities at or above this are notified.")
    search: bool = Field(default=True, description="Search the keywords where the platform and access level allow.")

    @field_validator("blocklist")
    @classmethod
    def _handles(cls, value: list[str]) -> list[str]:
        out = []
        for handle in value:
            bare = handle.strip().lstrip("@")
            if not HANDLE.match(bare):
                raise ValueError(f"{handle!r} is not a handle (letters, digits, _ and .)")
            out.append(bare.lower())
        return out

    @field_validator("platforms", mode="after")
    @classmethod
    def _over_default_platforms(cls, value: dict[EngagePlatform, bool]) -> dict[EngagePlatform, bool]:
        """``{x: false}`` turns X off and leaves the other defaults as they were."""
        return {**_default_platforms(), **value}

    @field_validator("daily_replies", mode="after")
    @classmethod
    def _over_default_caps(cls, value: dict[EngagePlatform, int]) -> dict[EngagePlatform, int]:
        return {**_default_caps(), **value}

    def enabled(self, platform: str) -> bool:
        """On when listed true (after the defaults); a platform never named is off."""
        return any(name == platform and on for name, on in self.platforms.items())

    def cap(self, platform: str) -> int:
        """The daily cap after the defaults; a platform turned on without a cap gets the default 10."""
        return next((cap for name, cap in self.daily_replies.items() if name == platform), DEFAULT_CAP)

    def blocked(self, handle: str) -> bool:
        return handle.lstrip("@").lower() in self.blocklist

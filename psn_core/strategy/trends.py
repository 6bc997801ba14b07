"""strategy.yaml's ``trends:`` section: where psn looks for what the user's field is talking about.

Every source is opt-in (nothing is fetched until the user lists it) and its base URL is a setting, so a
test or a mirror points it elsewhere. Example::

    trends:
      feeds: ["https://example.com/feed.xml"]
      hacker_news: {top: 30}
      google_trends: {geo: US}
      reddit: {subreddits: [python, bakery]}
      keywords: [sourdough]
      pillar_keywords: {expertise: [fermentation, hydration]}
      breaking_score: 0.75
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

HttpUrl = Annotated[
    str,
    Field(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2000, description="An http(s) URL."),
]
Keyword = Annotated[str, Field(min_length=2, max_length=80, description="A word or phrase (case-insensitive).")]
SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")


class FeedSource(BaseModel):
    """An RSS or Atom feed the user follows."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    name: str | None = Field(default=None, max_length=80, description="What to call it (default: its URL).")


class HackerNewsSource(BaseModel):
    """Hacker News through its public Firebase API (topstories, then each item)."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl = "https://hacker-news.firebaseio.com/v0"
    top: int = Field(default=30, ge=1, le=100, description="How many top stories the daily intake reads.")
    poll_top: int = Field(default=10, ge=1, le=100, description="How many the lighter poll reads.")


class GoogleTrendsSource(BaseModel):
    """Google Trends' daily trending searches RSS (https://trends.google.com/trending/rss?geo=US)."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl = "https://trends.google.com/trending/rss"
    geo: str = Field(default="US", pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$", description="A country code: US, GB, ES ...")


class RedditSource(BaseModel):
    """Subreddits' public listings (``/r/<name>/<listing>.json``), with a descriptive User-Agent."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl = "https://www.reddit.com"
    subreddits: list[str] = Field(min_length=1, max_length=30, description="Subreddit names, without r/.")
    listing: Literal["hot", "top", "new", "rising"] = "top"
    limit: int = Field(default=25, ge=1, le=100, description="Posts per subreddit in the daily intake.")

    @field_validator("subreddits")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        names = [v.strip().removeprefix("/").removeprefix("r/") for v in value]
        bad = [n for n in names if not SUBREDDIT.match(n)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a subreddit name (letters, digits and _, 2-21 characters)")
        return names


def _enabled(value: object) -> object:
    """``true`` means the source with its defaults; ``false`` or nothing means off."""
    if value is True:
        return {}
    if value is False:
        return None
    return value


class TrendsConfig(BaseModel):
    """Where trends come from and how they are judged."""

    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedSource] = Field(default_factory=list, max_length=100, description="RSS/Atom feeds.")
    hacker_news: HackerNewsSource | None = None
    google_trends: GoogleTrendsSource | None = None
    reddit: RedditSource | None = None
    keywords: list[Keyword] = Field(default_factory=list, max_length=200, description="Words that make a trend fit.")
    pillar_keywords: dict[str, list[Keyword]] = Field(
        default_factory=dict, description="Words that place a trend in a pillar (pillar name: [words])."
    )
    breaking_score: float = Field(
        default=0.75,
        gt=0,
        le=1,
        description="A fresh, popular trend scoring at least this raises one notification (feed-only ones never).",
    )
    timeout: float = Field(default=10.0, gt=0, le=60, description="Seconds each request may take.")

    @field_validator("feeds", mode="before")
    @classmethod
    def _feed_urls(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"url": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("hacker_news", "google_trends", mode="before")
    @classmethod
    def _switch(cls, value: object) -> object:
        return _enabled(value)

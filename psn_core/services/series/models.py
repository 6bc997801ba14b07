"""What the series wing returns: a series as the hub has it, its template, a due episode, its analytics."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

SeriesState = Literal["active", "paused", "retired"]
Cadence = Literal["weekly", "biweekly", "monthly", "rrule"]
Action = Literal["pause", "resume", "retire"]
STATES: tuple[SeriesState, ...] = ("active", "paused", "retired")
CADENCES: tuple[Cadence, ...] = ("weekly", "biweekly", "monthly", "rrule")
# The same moves as the migration's series_transitions.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {("active", "paused"), ("paused", "active"), ("active", "retired"), ("paused", "retired")}
)
TARGET: dict[Action, SeriesState] = {"pause": "paused", "resume": "active", "retire": "retired"}


class SeriesTemplate(BaseModel):
    """How every episode is built: its sections in order, how it opens and closes, its hashtags.
    ``{label}`` and ``{n}`` in the intro and outro become the episode's label and number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    structure: list[str] = Field(default_factory=list, max_length=20, description="The sections, in order.")
    intro: str = Field(default="", max_length=500, description="How an episode opens, e.g. 'Tip {label}:'.")
    outro: str = Field(default="", max_length=500, description="How an episode closes, e.g. 'See you next week'.")
    hashtags: list[str] = Field(default_factory=list, max_length=30, description="Hashtags every episode carries.")


class Series(BaseModel):
    """A series. Names, descriptions and templates are written by members: show them as content."""

    id: UUID = Field(description="The series' id (a UUID).")
    member_id: UUID = Field(description="Who created it.")
    created_by: str | None = Field(default=None, description="Their display name (when the hub shows it).")
    name: str
    slug: str = Field(description="Its short name, unique per member (what the CLI takes).")
    description: str
    cadence: str = Field(description="weekly, biweekly, monthly or rrule.")
    rrule: str = Field(description="The cadence as an RFC 5545 RRULE (weekly, biweekly, monthly are rules too).")
    starts_on: date = Field(description="The first day it may fire (in its zone).")
    time_of_day: time = Field(description="The wall-clock time of each episode, in its zone.")
    timezone: str = Field(description="The IANA zone its wall times are read in.")
    platforms: list[str]
    pillar: str | None
    format: str | None = Field(description="The post format of its episodes (the voice format catalog), if any.")
    template: SeriesTemplate
    label_pattern: str = Field(description="How episodes are labelled: {n}, {season}, {episode}.")
    season_length: int | None = Field(description="Episodes per season (for {season} and {episode}).")
    first_episode: int = Field(description="The number of its first episode published through psn.")
    episodes_published: int = Field(description="Posts of it published (each counted once).")
    state: str = Field(description="active, paused or retired.")
    state_changed_at: datetime
    created_at: datetime
    next_episode: int = Field(description="The number the next published post gets.")
    next_label: str = Field(description="That episode's label.")


class EpisodeBrief(BaseModel):
    """What drafting needs to write the next episode of a series: its template with the label filled in."""

    series_id: UUID
    name: str
    slug: str
    pillar: str | None
    format: str | None
    episode_number: int = Field(description="The number the post gets when it is published (if no other goes first).")
    label: str = Field(description="Its label, e.g. '#12' or 'Season 2, Ep 3'.")
    structure: list[str] = Field(description="The sections of every episode, in order.")
    intro: str = Field(description="How it opens, label filled in (empty: no set opening).")
    outro: str = Field(description="How it closes, label filled in (empty: no set closing).")
    hashtags: list[str] = Field(description="Hashtags every episode carries.")


class DueEpisode(BaseModel):
    """One occurrence of an active series in a window: the episode due then."""

    model_config = ConfigDict(frozen=True)

    series_id: UUID
    name: str
    slug: str
    pillar: str | None
    format: str | None
    platforms: list[str]
    episode_number: int = Field(description="The number the post for this occurrence gets (counting in order).")
    label: str = Field(description="The episode's label, e.g. '#12' or 'Season 2, Ep 3'.")
    due_at: datetime = Field(description="When it is due (UTC).")
    local_time: str = Field(description="When it is due, in the viewer's zone, zone named.")
    template: SeriesTemplate
    already_scheduled: bool = Field(description="A post of the series is scheduled or published for it.")
    post_id: UUID | None = Field(description="The post made for it (a draft too), if any.")


class EpisodeStats(BaseModel):
    """One published episode and what its targets collected (post_metrics: every platform summed)."""

    episode_number: int
    label: str
    post_id: UUID
    published_at: datetime
    exposure: int = Field(default=0, description="Impressions (or views / reach where that is what counts).")
    engagements: int = Field(default=0, description="Likes + comments + shares + saves.")


class SeriesAnalytics(BaseModel):
    """What a series has done: its posts, episodes, and the engagement its published episodes collected
    (from the analytics tables; zero until metrics are collected)."""

    series_id: UUID
    slug: str
    name: str
    posts: int = Field(description="Posts made for it (drafts too; cancelled ones not).")
    episodes: int = Field(description="Episodes published.")
    scheduled: int = Field(description="Posts of it waiting to go out (or for approval).")
    last_published_at: datetime | None
    exposure: int = 0
    engagements: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    engagement_rate: float | None = Field(default=None, description="engagements / exposure (None: no exposure).")
    per_episode: list[EpisodeStats] = Field(default_factory=list)


class SeriesSuggestion(BaseModel):
    """Posts of one pillar and format 3+ times in 30 days, not yet a series: perhaps they should be one."""

    pillar: str
    format: str
    posts: int
    post_ids: list[UUID]
    first_at: datetime
    last_at: datetime
    suggested_cadence: str = Field(description="weekly, biweekly or monthly, from the posts' spacing.")

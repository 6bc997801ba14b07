"""The strategy model: what strategy.yaml may hold, and the checks pydantic cannot express per field.

Weights are relative: psn divides each pillar's weight by the sum (``shares()``), so ``3, 2, 1`` and
``0.5, 0.33, 0.17`` mean the same and changing one weight never makes the file invalid. Language
balances work the same way. Times are wall-clock ``HH:MM`` in the user's zone (psn_core.strategy.slots
turns them into instants, DST-safe).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from psn_core.strategy.engagement import Engagement
from psn_core.strategy.trends import TrendsConfig

Platform = Literal["x", "linkedin", "instagram", "tiktok"]
PLATFORMS: tuple[Platform, ...] = ("x", "linkedin", "instagram", "tiktok")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_WORDS: dict[str, list[Day]] = {"weekdays": list(DAYS[:5]), "weekend": list(DAYS[5:]), "daily": list(DAYS)}
PILLAR_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
TOP_FIELDS = (
    "version",
    "pillars",
    "frequency",
    "times",
    "languages",
    "avoid_topics",
    "locked",
    "trends",
    "engagement",
)

PillarName = Annotated[
    str,
    Field(
        pattern=PILLAR_NAME.pattern,
        description="Lower-case letters, digits, - or _ (1-40), as `#pillar:<name>` tags it.",
    ),
]
LocalTime = Annotated[
    str,
    Field(pattern=r"^([01]?\d|2[0-3]):[0-5]\d$", description="A wall-clock time HH:MM (24-hour) in the user's zone."),
]
LanguageCode = Annotated[str, Field(pattern=LANGUAGE.pattern, description="A language code: en, es, pt-BR ...")]


class Pillar(BaseModel):
    """One content pillar: a theme the user posts about, with its relative weight."""

    model_config = ConfigDict(extra="forbid")

    name: PillarName
    weight: float = Field(gt=0, le=1000, description="Relative weight (> 0); psn divides by the sum of weights.")
    description: str = Field(default="", max_length=500, description="What belongs in this pillar (optional).")


class TimeWindow(BaseModel):
    """Preferred posting times on some weekdays."""

    model_config = ConfigDict(extra="forbid")

    days: list[Day] = Field(min_length=1, description="mon..sun, or one of the words weekdays, weekend, daily.")
    at: list[LocalTime] = Field(min_length=1, description="Wall-clock times HH:MM in the user's zone.")

    @field_validator("days", mode="before")
    @classmethod
    def _day_words(cls, value: object) -> object:
        if isinstance(value, str):
            return DAY_WORDS.get(value.strip().lower(), [value])
        return value

    @field_validator("at", mode="before")
    @classmethod
    def _one_time(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Strategy(BaseModel):
    """The whole strategy.yaml."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = Field(default=1, description="The file format version (1).")
    pillars: list[Pillar] = Field(min_length=1, description="Content pillars, names unique.")
    frequency: dict[Platform, Annotated[int, Field(ge=0, le=70)]] = Field(
        default_factory=dict, description="Posts per week on each platform (0-70)."
    )
    times: dict[Platform, list[TimeWindow]] = Field(
        default_factory=dict, description="Preferred times per platform, wall-clock in the user's zone."
    )
    languages: dict[LanguageCode, Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: {"en": 1.0},
        min_length=1,
        description="Languages and their relative balance (en: 0.6, es: 0.4).",
    )
    avoid_topics: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, description="Topics psn never proposes."
    )
    locked: list[str] = Field(
        default_factory=list, description="Fields automatic changes must leave alone (pillars, frequency.x ...)."
    )
    trends: TrendsConfig | None = Field(default=None, description="Trend sources and keywords (none: no intake).")
    engagement: Engagement = Field(default_factory=Engagement, description="The engagement inbox and its limits.")

    def shares(self) -> dict[str, float]:
        """Each pillar's share of posts (weights divided by their sum), in file order."""
        total = sum(p.weight for p in self.pillars)
        return {p.name: p.weight / total for p in self.pillars}

    def language_shares(self) -> dict[str, float]:
        """Each language's share of posts (balances divided by their sum)."""
        total = sum(self.languages.values())
        return {code: value / total for code, value in self.languages.items()}

    def per_week(self) -> int:
        """Posts per week over every platform."""
        return sum(self.frequency.values())


def pillar_names(strategy: Strategy | None) -> list[str]:
    """The pillar names in file order (empty without a strategy)."""
    return [p.name for p in strategy.pillars] if strategy is not None else []


def semantic_problems(strategy: Strategy) -> list[tuple[tuple[int | str, ...], str]]:
    """What per-field validation cannot see: duplicate pillar names and malformed locks (location, message)."""
    from psn_core.strategy.paths import PathInvalid, parse_path

    problems: list[tuple[tuple[int | str, ...], str]] = []
    seen: dict[str, int] = {}
    for index, pillar in enumerate(strategy.pillars):
        key = pillar.name.lower()
        if key in seen:
            problems.append((("pillars", index, "name"), f"{pillar.name!r} is already pillar {seen[key] + 1}"))
        seen.setdefault(key, index)
    for index, lock in enumerate(strategy.locked):
        try:
            parse_path(lock)
        except PathInvalid as exc:
            problems.append((("locked", index), str(exc)))
    for name in strategy.trends.pillar_keywords if strategy.trends else ():
        if name.lower() not in seen:
            problems.append((("trends", "pillar_keywords", name), f"{name!r} is not one of the pillars"))
    return problems

"""The naturalness tells of one language, loaded from data/tells/<lang>.yaml.

Phrases, regexes, weights and thresholds are data so they can be tuned (and new languages added)
without touching Python. Every weight is a penalty in score points (the score starts at 100).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator

from psn_core.voice.errors import UnsupportedLanguage
from psn_core.voice.shipped import Strict, check_regexes, language_file, load_shipped, shipped_languages


class PhraseTell(Strict):
    """A family of phrases or regexes that read machine-made (hedges, filler, stock openers...)."""

    code: str
    reason: str
    weight: float = Field(gt=0, description="Penalty per occurrence.")
    cap: float = Field(gt=0, description="Most this family can take off the score.")
    where: Literal["anywhere", "opening", "closing"] = "anywhere"
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)

    _validate_patterns = field_validator("patterns")(check_regexes)


class UniformityRule(Strict):
    """Penalise lengths that barely vary: below ``flag_below_cv`` partly, at ``full_penalty_cv`` fully."""

    reason: str
    min_units: int = Field(ge=2)
    flag_below_cv: float = Field(gt=0)
    full_penalty_cv: float = Field(ge=0)
    weight: float = Field(gt=0)


class ContractionRule(Strict):
    """Languages with contractions: long text that spells every one out reads stiff."""

    reason: str
    contraction_patterns: list[str]
    expanded_patterns: list[str]
    min_words: int = Field(ge=1)
    min_expanded: int = Field(ge=1)
    weight: float = Field(gt=0)

    _validate = field_validator("contraction_patterns", "expanded_patterns")(check_regexes)


class ListRule(Strict):
    reason: str
    max_list_blocks: int = Field(ge=0)
    max_item_share: float = Field(gt=0, le=1, description="Share of lines that are list items.")
    min_lines: int = Field(ge=1)
    weight: float = Field(gt=0)


class DensityRule(Strict):
    """Too many of one character (em dashes) for the length of the text."""

    reason: str
    min_count: int = Field(ge=1)
    max_per_100_words: float = Field(gt=0)
    weight: float = Field(gt=0)


class StuffingRule(Strict):
    reason_emoji: str
    reason_hashtags: str
    max_emoji: int = Field(ge=0)
    max_hashtags: int = Field(ge=0)
    weight_per_extra: float = Field(gt=0)
    cap: float = Field(gt=0)


class RepetitionRule(Strict):
    """The same post shape (e.g. hook, value, call to action) over and over across recent posts."""

    reason: str
    reason_opener: str
    window: int = Field(ge=1)
    min_matches: int = Field(ge=1)
    hook_max_words: int = Field(ge=1)
    cta_phrases: list[str]
    cta_patterns: list[str] = Field(default_factory=list)
    weight: float = Field(gt=0)
    opener_words: int = Field(ge=1)
    opener_weight: float = Field(gt=0)

    _validate = field_validator("cta_patterns")(check_regexes)


class RepeatedStartsRule(Strict):
    """Several sentences opening with the same words ("It is about... It is about...")."""

    reason: str
    start_words: int = Field(ge=1)
    min_repeats: int = Field(ge=2)
    weight: float = Field(gt=0)


class SpecificsRule(Strict):
    """A longer post with no first-person detail and no numbers reads like advice from nobody."""

    reason: str
    min_words: int = Field(ge=1)
    marker_patterns: list[str] = Field(description="First-person words, digits: signs of a real writer.")
    weight: float = Field(gt=0)

    _validate = field_validator("marker_patterns")(check_regexes)


class ProfileRule(Strict):
    """Weights for the profile's own anti-patterns and never-use words."""

    reason_never_use: str
    never_use_weight: float = Field(gt=0)
    anti_pattern_weight: float = Field(gt=0)
    cap: float = Field(gt=0)


class LanguageTells(Strict):
    language: str
    pass_score: int = Field(ge=0, le=100, description="Scores at or above this read human.")
    stopwords: list[str]
    phrase_tells: list[PhraseTell]
    sentence_uniformity: UniformityRule
    paragraph_uniformity: UniformityRule
    contractions: ContractionRule | None = Field(
        description="null for languages without optional contractions (Spanish only has al/del)."
    )
    repeated_starts: RepeatedStartsRule
    specifics: SpecificsRule
    lists: ListRule
    em_dashes: DensityRule
    stuffing: StuffingRule
    repeated_structure: RepetitionRule
    profile: ProfileRule


def available_languages() -> list[str]:
    """Languages psn ships tells for."""
    return shipped_languages("tells")


@lru_cache(maxsize=16)
def load_tells(language: str) -> LanguageTells:
    """The tells for ``language`` (e.g. "en", "es"; a region such as "es-MX" falls back to "es").

    Raises:
        UnsupportedLanguage: psn ships no tells for the language.
        VoiceDataInvalid: the shipped file is broken.
    """
    path = language_file("tells", language)
    if path is None:
        raise UnsupportedLanguage(
            f"psn has no naturalness tells for language {language!r} (available: {', '.join(available_languages())})."
        )
    return load_shipped(LanguageTells, path)

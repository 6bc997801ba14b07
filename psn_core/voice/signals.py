"""Signals of generic versus specific writing, and the calibration that turns every finding into points.

``data/signals/<lang>.yaml`` says what to look for (concrete details, abstract and evaluative words,
generalisations, hedges, three-part lists, "not X, it's Y" frames, moralising closers, questions to the
reader, advice to nobody in particular, even rhythm), each measured in raw units.
``data/calibration/<lang>.yaml`` says what one raw unit of each finding costs in score points: fitted by
logistic regression on the train split of the labelled corpus (benchmarks/fit_slop.py), with the pass
threshold chosen on that split too. Both are data, so a language is tuned without touching Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator

from psn_core.voice.shipped import Strict, check_regexes, language_file, load_shipped


class ConcreteRule(Strict):
    """Concrete details per 100 words; below ``target_per_100_words`` the post reads generic."""

    code: str
    reason: str = Field(description="May use {found} (details found) and {words} (word count).")
    min_words: int = Field(ge=1)
    target_per_100_words: float = Field(gt=0)
    markers: list[str] = Field(description="Case-insensitive regexes, each match one detail.")
    name_pattern: str = Field(description="Case-sensitive regex for names: capitalised words inside a sentence.")

    _validate = field_validator("markers")(check_regexes)
    _validate_name = field_validator("name_pattern")(lambda v: check_regexes([v])[0])


class PatternSignal(Strict):
    """Words or frames; each hit is one raw unit, or (``per_100_words``) hits per 100 words."""

    code: str
    category: Literal["style", "structure"]
    reason: str
    where: Literal["anywhere", "opening", "closing"] = "anywhere"
    per_100_words: bool = False
    min_words: int = Field(default=0, ge=0, description="Density over at least this many words.")
    cap: float = Field(gt=0, description="Most raw units this signal counts in one post.")
    free_hits: int = Field(default=0, ge=0, description="The first hits are normal writing: not counted.")
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    unless: list[str] = Field(
        default_factory=list, description="Case-sensitive regexes: a hit containing one is a concrete list, not a tell."
    )

    _validate = field_validator("patterns", "unless")(check_regexes)


class RhythmRule(Strict):
    """Sentence lengths that barely vary (3+ sentences), and no short sentence at all."""

    code: str
    reason: str
    min_sentences: int = Field(ge=2)
    flag_below_cv: float = Field(gt=0)
    no_fragment_code: str
    no_fragment_reason: str
    fragment_max_words: int = Field(ge=1)


class LanguageSignals(Strict):
    language: str
    concrete: ConcreteRule
    patterns: list[PatternSignal]
    rhythm: RhythmRule


class FitReport(Strict):
    """How the weights were fitted: on which files, how, and the train-split figures."""

    method: str
    corpus: list[str]
    train_human: int
    train_model: int
    l2: float
    train_auc: float
    train_human_flagged: float
    train_model_passing: float


class Calibration(Strict):
    """Score points per raw unit of each finding's code; codes not listed keep their tells' points."""

    language: str
    pass_score: int = Field(ge=1, le=100, description="Scores at or above this read human.")
    points_per_unit: dict[str, float]
    intercept: float = Field(description="Logistic intercept (log-odds of model-written at zero findings).")
    logit_per_point: float = Field(gt=0, description="Log-odds of model-written per score point taken off.")
    fit: FitReport

    @field_validator("points_per_unit")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [code for code, points in value.items() if points < 0]
        if bad:
            raise ValueError(f"points must be >= 0 (findings only ever cost points): {', '.join(bad)}")
        return value


@lru_cache(maxsize=16)
def load_signals(language: str) -> LanguageSignals | None:
    """The generic-writing signals for ``language`` ("es-MX" falls back to "es"); None when psn ships
    none for it (the tells alone then score the text).

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    path = language_file("signals", language)
    return None if path is None else load_shipped(LanguageSignals, path)


@lru_cache(maxsize=16)
def load_calibration(language: str) -> Calibration | None:
    """The fitted points for ``language``; None when none were fitted (the tells' own points apply).

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    path = language_file("calibration", language)
    return None if path is None else load_shipped(Calibration, path)


@lru_cache(maxsize=4096)
def compiled(pattern: str, flags: int = re.IGNORECASE | re.MULTILINE) -> re.Pattern[str]:
    """A compiled regex, cached: checks run on every keystroke-sized draft change."""
    return re.compile(pattern, flags)

"""Anti-patterns: things a writer never does, as structured data a checker can apply.

Kinds: ``phrase`` (a literal, optionally only at the start or end), ``regex``, and counted limits
``max_lists``, ``max_hashtags``, ``max_emoji``, ``max_em_dashes``, ``max_exclamations``. psn ships
defaults (data/anti_patterns.yaml); a profile adds its own and may switch the defaults off.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from psn_core.voice.shipped import load_shipped
from psn_core.voice.text import (
    EMOJI_RE,
    HASHTAG_RE,
    Segment,
    list_blocks,
    paragraphs,
    phrase_pattern,
    sentences,
)


class _Base(BaseModel):
    # Unknown keys a user writes next to an anti-pattern survive a load/save round trip.
    model_config = ConfigDict(extra="allow")

    id: str | None = Field(default=None, description="A short name for it; made from its content when omitted.")
    reason: str | None = Field(default=None, description="Why the user never does this, in their words.")
    language: str | None = Field(default=None, description="Only check text in this language.")

    def applies_to(self, language: str) -> bool:
        return self.language is None or self.language == language


class PhraseAntiPattern(_Base):
    kind: Literal["phrase"] = Field(description="phrase: a word or phrase, matched case-insensitively.")
    phrase: str = Field(min_length=1, description="The word or phrase never to use.")
    where: Literal["anywhere", "start", "end"] = Field(
        default="anywhere", description="Where in a post it is flagged: anywhere, at the start or at the end."
    )


class RegexAntiPattern(_Base):
    kind: Literal["regex"] = Field(description="regex: a regular expression (Python syntax).")
    pattern: str = Field(min_length=1, description="The regular expression a post must not match.")
    ignore_case: bool = Field(default=True, description="Match regardless of case.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class LimitAntiPattern(_Base):
    kind: Literal["max_lists", "max_hashtags", "max_emoji", "max_em_dashes", "max_exclamations"] = Field(
        description="What is counted in a post: lists, hashtags, emoji, em dashes or exclamation marks."
    )
    max: int = Field(ge=0, description="The most a post may have of it.")


AntiPattern = Annotated[PhraseAntiPattern | RegexAntiPattern | LimitAntiPattern, Field(discriminator="kind")]


class AntiPatternHit(BaseModel):
    """One place where text breaks an anti-pattern."""

    anti_pattern_id: str
    start: int
    end: int
    text: str
    reason: str


class AntiPatternFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    anti_patterns: list[AntiPattern]


@lru_cache(maxsize=1)
def default_anti_patterns() -> tuple[PhraseAntiPattern | RegexAntiPattern | LimitAntiPattern, ...]:
    """The anti-patterns shipped with psn (data/anti_patterns.yaml).

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    return tuple(load_shipped(AntiPatternFile, "anti_patterns.yaml").anti_patterns)


def _label(pattern: _Base, fallback: str) -> str:
    return pattern.id or fallback


def _phrase_hits(ap: PhraseAntiPattern, text: str) -> list[Segment]:
    hits = [Segment(m.start(), m.end(), m.group(0)) for m in phrase_pattern(ap.phrase).finditer(text)]
    if ap.where == "start":
        first = sentences(text)[:1]
        return [h for h in hits if first and h.start < first[0].end]
    if ap.where == "end":
        last = paragraphs(text)[-1:]
        return [h for h in hits if last and h.start >= last[0].start]
    return hits


def _limit_items(kind: str, text: str) -> list[Segment]:
    if kind == "max_lists":
        return list_blocks(text)
    if kind == "max_hashtags":
        return [Segment(m.start(), m.end(), m.group(0)) for m in HASHTAG_RE.finditer(text)]
    if kind == "max_emoji":
        return [Segment(m.start(), m.end(), m.group(0)) for m in EMOJI_RE.finditer(text)]
    char = "—" if kind == "max_em_dashes" else "!"
    return [Segment(m.start(), m.end(), char) for m in re.finditer(re.escape(char), text)]


_LIMIT_NOUN = {
    "max_lists": "list",
    "max_hashtags": "hashtag",
    "max_emoji": "emoji",
    "max_em_dashes": "em dash",
    "max_exclamations": "exclamation mark",
}


def find_anti_patterns(
    text: str,
    patterns: list[PhraseAntiPattern | RegexAntiPattern | LimitAntiPattern]
    | tuple[PhraseAntiPattern | RegexAntiPattern | LimitAntiPattern, ...],
    language: str,
) -> list[AntiPatternHit]:
    """Every place ``text`` breaks one of ``patterns`` that applies to ``language``."""
    hits: list[AntiPatternHit] = []
    for ap in patterns:
        if not ap.applies_to(language):
            continue
        if isinstance(ap, PhraseAntiPattern):
            reason = ap.reason or f'Uses "{ap.phrase}", which this voice never says.'
            for seg in _phrase_hits(ap, text):
                hits.append(
                    AntiPatternHit(
                        anti_pattern_id=_label(ap, ap.phrase),
                        start=seg.start,
                        end=seg.end,
                        text=seg.text,
                        reason=reason,
                    )
                )
        elif isinstance(ap, RegexAntiPattern):
            flags = re.IGNORECASE if ap.ignore_case else 0
            reason = ap.reason or "Matches a pattern this voice avoids."
            for m in re.finditer(ap.pattern, text, flags | re.MULTILINE):
                if m.end() > m.start():
                    hits.append(
                        AntiPatternHit(
                            anti_pattern_id=_label(ap, ap.pattern),
                            start=m.start(),
                            end=m.end(),
                            text=m.group(0),
                            reason=reason,
                        )
                    )
        else:
            items = _limit_items(ap.kind, text)
            if len(items) > ap.max:
                noun = _LIMIT_NOUN[ap.kind]
                reason = ap.reason or f"{len(items)} × {noun}; this voice allows at most {ap.max}."
                for seg in items[ap.max :]:
                    hits.append(
                        AntiPatternHit(
                            anti_pattern_id=_label(ap, ap.kind),
                            start=seg.start,
                            end=seg.end,
                            text=seg.text,
                            reason=reason,
                        )
                    )
    return sorted(hits, key=lambda h: (h.start, h.end))

"""Progressive profiling: three answers in, a usable voice profile out.

The three core questions (the CLI asks them; this module only turns answers into a profile):

1. Where does your posting voice sit: how you talk to friends, how you talk at work, or between?
2. Paste a few posts or paragraphs you wrote yourself (not edited by anyone else).
3. Which words or phrases would you never use?

Everything else (openings, closings, per-platform tweaks) can be filled in later by hand or
learned from edits; the profile is valid and useful from the first save.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from psn_core.voice.profile import LanguageVoice, SentenceLength, Traits, VoiceProfile
from psn_core.voice.store import save_profile
from psn_core.voice.tells import load_tells
from psn_core.voice.text import EMOJI_RE, HASHTAG_RE, sentences, words

CORE_QUESTIONS: tuple[str, str, str] = (
    "When you post, do you sound like you talking to friends, to colleagues at work, or in between?",
    "Paste a few things you wrote yourself (posts, emails, messages): at least a paragraph or two.",
    "List words or phrases you'd never use (comma separated), e.g. 'synergy, leverage, delve'.",
)

Register = Literal["friends", "between", "work"]
_FORMALITY = {"friends": 2, "between": 5, "work": 8}


class CoreAnswers(BaseModel):
    """The answers to CORE_QUESTIONS, plus the profile's name and language."""

    name: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)] = Field(
        description="The user's name, as the profile names them."
    )
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")] = Field(
        default="en", description="The language the sample is written in, as a code: en, es, pt-BR ..."
    )
    talks_like: Register = Field(description="Answer to question 1.")
    writing_sample: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Answer to question 2: the user's own writing, pasted as they wrote it."
    )
    never_use: list[str] = Field(default_factory=list, description="Answer to question 3, one word or phrase each.")


def _vocabulary(sample: str, stopwords: set[str], limit: int = 12) -> list[str]:
    counts = Counter(w for w in words(sample) if len(w) > 3 and w not in stopwords and not w.isdigit())
    return [w for w, c in counts.most_common(limit) if c >= 2]


def _traits(answers: CoreAnswers, sample: str) -> Traits:
    formality = _FORMALITY[answers.talks_like]
    contractions = len(re.findall(r"\b\w+['’](?:t|s|re|ve|ll|d|m)\b", sample))
    if contractions >= 3:
        formality = max(0, formality - 1)
    laughs = re.findall(r"\b(?:haha|lol|jaja|xd)", sample, re.IGNORECASE)
    playful = len(EMOJI_RE.findall(sample)) + sample.count("!") + len(laughs)
    return Traits(
        formality=formality,
        humor=min(10, 3 + playful),
        assertiveness=5,
        technical_depth=5,
        controversy_budget=2,
    )


def build_profile(answers: CoreAnswers) -> VoiceProfile:
    """Turn the three core answers into a valid personal profile for ``answers.language``.

    Raises:
        UnsupportedLanguage: psn has no word lists for the language.
    """
    sample = answers.writing_sample
    stopwords = set(load_tells(answers.language).stopwords)
    counts = [s.word_count for s in sentences(sample)]
    target = min(60, max(3, round(statistics.median(counts)))) if counts else None
    longest = min(120, max(counts)) if counts else None
    never = list(dict.fromkeys(w.strip() for w in answers.never_use if w.strip()))
    patterns = []
    if target is not None:
        patterns.append(f"Sentences around {target} words; longest about {longest}.")
    section = LanguageVoice(
        vocabulary=_vocabulary(sample, stopwords),
        sentence_patterns=patterns,
        sentence_length=SentenceLength(target_words=target, max_words=max(longest or 3, target or 3)),
        hashtags=list(dict.fromkeys(m.group(0) for m in HASHTAG_RE.finditer(sample)))[:5],
        never_use=never,
    )
    return VoiceProfile(
        name=answers.name,
        persona="personal",
        traits=_traits(answers, sample),
        languages={answers.language: section},
    )


def write_profile_from_answers(answers: CoreAnswers, path: Path | str) -> VoiceProfile:
    """Build the profile from the answers and save it atomically at ``path``.

    Raises:
        UnsupportedLanguage: psn has no word lists for the language.
        OSError: the file cannot be written.
    """
    profile = build_profile(answers)
    save_profile(profile, path)
    return profile

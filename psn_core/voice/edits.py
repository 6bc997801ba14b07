"""Learning from edits: what the writer keeps changing in drafts becomes part of their profile.

``diff_edit`` compares a draft with what was finally posted; ``suggest_from_edits`` looks across
many diffs for habits (a word always removed, sentences always shortened, a phrase always added);
``apply_suggestion`` folds one accepted suggestion into a profile and returns the new profile.
"""

from __future__ import annotations

import difflib
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from psn_core.voice.profile import LanguageVoice, VoiceProfile
from psn_core.voice.tells import load_tells
from psn_core.voice.text import sentences, words

MIN_EDITS = 3  # a habit is something seen in at least three separate edits
SHORTENED_BY_WORDS = 2.0  # mean sentence length must drop at least this much to count
MAX_PHRASE_WORDS = 5


class EditDiff(BaseModel):
    """What changed between a draft and the posted text."""

    removed_words: list[str]
    added_words: list[str]
    added_phrases: list[str] = Field(description="Each inserted run of words, lower-cased.")
    draft_sentence_words: float = Field(description="Mean words per sentence in the draft.")
    final_sentence_words: float = Field(description="Mean words per sentence in the final text.")
    ratio: float = Field(ge=0, le=1, description="0 = unchanged, 1 = rewritten entirely.")

    @property
    def sentence_length_change(self) -> float:
        """Words per sentence gained (positive) or lost (negative) in the edit."""
        return self.final_sentence_words - self.draft_sentence_words


class Suggestion(BaseModel):
    """A proposed change to a profile, with the evidence behind it."""

    kind: Literal["never_use", "sentence_length", "signature_phrase"]
    language: str
    value: str = Field(description="The word or phrase; for sentence_length, the target as text.")
    target_words: int | None = None
    evidence: int = Field(ge=1, description="How many edits showed this habit.")
    reason: str


def _mean_sentence_words(text: str) -> float:
    counts = [s.word_count for s in sentences(text)]
    return round(statistics.fmean(counts), 2) if counts else 0.0


def edit_ratio(draft: str, final: str) -> float:
    """How much of the draft was changed, by words: 0.0 unchanged, 1.0 rewritten entirely."""
    a, b = words(draft), words(final)
    if not a and not b:
        return 0.0
    return round(1.0 - difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio(), 4)


def diff_edit(draft: str, final: str) -> EditDiff:
    """Compare a draft with the text that was finally posted, word by word."""
    a, b = words(draft), words(final)
    removed: list[str] = []
    added: list[str] = []
    phrases: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed.extend(a[i1:i2])
        if op in ("insert", "replace"):
            added.extend(b[j1:j2])
            phrases.append(" ".join(b[j1:j2]))
    return EditDiff(
        removed_words=removed,
        added_words=added,
        added_phrases=phrases,
        draft_sentence_words=_mean_sentence_words(draft),
        final_sentence_words=_mean_sentence_words(final),
        ratio=edit_ratio(draft, final),
    )


def _never_use(
    edits: Sequence[EditDiff], section: LanguageVoice, stopwords: set[str], language: str, min_edits: int
) -> list[Suggestion]:
    removed_in = Counter(w for e in edits for w in set(e.removed_words))
    added_in = Counter(w for e in edits for w in set(e.added_words))
    known = {w.lower() for w in section.never_use}
    found = []
    for word, count in sorted(removed_in.items(), key=lambda kv: (-kv[1], kv[0])):
        if count >= min_edits and added_in[word] == 0 and word not in stopwords and word not in known:
            found.append(
                Suggestion(
                    kind="never_use",
                    language=language,
                    value=word,
                    evidence=count,
                    reason=f'You removed "{word}" in {count} edits and never added it.',
                )
            )
    return found


def _shorter_sentences(
    edits: Sequence[EditDiff], section: LanguageVoice, language: str, min_edits: int
) -> list[Suggestion]:
    measured = [e for e in edits if e.draft_sentence_words and e.final_sentence_words]
    shortened = [e for e in measured if e.sentence_length_change <= -SHORTENED_BY_WORDS]
    if len(shortened) < min_edits or len(shortened) < 0.7 * len(measured):
        return []
    target = max(3, round(statistics.median(e.final_sentence_words for e in shortened)))
    current = section.sentence_length.target_words
    if current is not None and current <= target:
        return []
    return [
        Suggestion(
            kind="sentence_length",
            language=language,
            value=f"about {target} words per sentence",
            target_words=target,
            evidence=len(shortened),
            reason=f"You shortened sentences in {len(shortened)} of {len(measured)} edits (to about {target} words).",
        )
    ]


def _signature_phrases(
    edits: Sequence[EditDiff], section: LanguageVoice, stopwords: set[str], language: str, min_edits: int
) -> list[Suggestion]:
    grams_in: Counter[str] = Counter()
    for edit in edits:
        grams: set[str] = set()
        for phrase in edit.added_phrases:
            toks = phrase.split()
            for n in range(2, MAX_PHRASE_WORDS + 1):
                grams.update(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))
        grams_in.update(grams)
    known = {p.lower() for p in section.signature_phrases}
    frequent = {g: c for g, c in grams_in.items() if c >= min_edits and not set(g.split()) <= stopwords}
    # Keep only the longest phrase of a family seen equally often ("you know" inside "you know what").
    keep = [
        g
        for g, c in frequent.items()
        if not any(g != o and f" {g} " in f" {o} " and frequent[o] >= c for o in frequent)
    ]
    return [
        Suggestion(
            kind="signature_phrase",
            language=language,
            value=g,
            evidence=frequent[g],
            reason=f'You added "{g}" in {frequent[g]} edits.',
        )
        for g in sorted(keep, key=lambda g: (-frequent[g], g))
        if g not in known
    ]


def suggest_from_edits(
    edits: Sequence[EditDiff], profile: VoiceProfile, language: str, *, min_edits: int = MIN_EDITS
) -> list[Suggestion]:
    """Profile changes the edits argue for: never-use words, shorter sentences, signature phrases.

    A habit needs at least ``min_edits`` separate edits (default 3); a word counts once per edit.

    Raises:
        UnsupportedLanguage: psn has no stopword list for ``language``.
    """
    stopwords = set(load_tells(language).stopwords)
    section = profile.language(language)
    return [
        *_never_use(edits, section, stopwords, language, min_edits),
        *_shorter_sentences(edits, section, language, min_edits),
        *_signature_phrases(edits, section, stopwords, language, min_edits),
    ]


def apply_suggestion(profile: VoiceProfile, suggestion: Suggestion) -> VoiceProfile:
    """A copy of ``profile`` with ``suggestion`` applied to its ``suggestion.language`` section."""
    updated = profile.model_copy(deep=True)
    section = updated.language(suggestion.language).model_copy(deep=True)
    if suggestion.kind == "never_use" and suggestion.value not in section.never_use:
        section.never_use = [*section.never_use, suggestion.value]
    elif suggestion.kind == "signature_phrase" and suggestion.value not in section.signature_phrases:
        section.signature_phrases = [*section.signature_phrases, suggestion.value]
    elif suggestion.kind == "sentence_length" and suggestion.target_words is not None:
        length = section.sentence_length.model_copy()
        length.target_words = suggestion.target_words
        if length.max_words is not None and length.max_words < suggestion.target_words:
            length.max_words = suggestion.target_words
        section.sentence_length = length
        pattern = f"Short sentences: about {suggestion.target_words} words."
        section.sentence_patterns = [
            *[p for p in section.sentence_patterns if not p.startswith("Short sentences: about ")],
            pattern,
        ]
    updated.languages = {**updated.languages, suggestion.language: section}
    return updated

"""Naturalness: does a draft read like a person wrote it?

``check_naturalness`` starts at 100 and takes off the penalties of every tell it finds: stock
phrases, uniform sentence and paragraph lengths, missing contractions (languages that have them),
list-heavy structure, em dashes, emoji and hashtag stuffing, the same shape as recent posts, the
profile's own anti-patterns and never-use words, and the signals of generic writing that smooth model
prose gives itself away by (:mod:`psn_core.voice.generic`: few concrete details, abstract words,
three-part lists, "not X, it's Y", moralising closers, questions to the reader, even rhythm...).
What counts as a tell lives in data/tells/<lang>.yaml and data/signals/<lang>.yaml; what each costs in
points, and the pass line, in data/calibration/<lang>.yaml, fitted on a labelled corpus
(benchmarks/fit_slop.py; held-out figures from benchmarks/bench_slop.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from psn_core.voice.anti_patterns import default_anti_patterns, find_anti_patterns
from psn_core.voice.generic import find_generic
from psn_core.voice.profile import VoiceProfile
from psn_core.voice.signals import Calibration, LanguageSignals, load_calibration, load_signals
from psn_core.voice.tells import LanguageTells, PhraseTell, UniformityRule, load_tells
from psn_core.voice.text import (
    EMOJI_RE,
    HASHTAG_RE,
    LIST_ITEM_RE,
    Segment,
    list_blocks,
    paragraphs,
    phrase_pattern,
    sentences,
    variation,
    words,
)

Category = Literal["phrase", "structure", "style", "repetition", "profile"]


class FlaggedTell(BaseModel):
    """One tell, where it is (character span) and why it matters, in a sentence."""

    code: str
    category: Category
    start: int
    end: int
    excerpt: str
    reason: str
    penalty: float = Field(description="Points this finding would cost before the per-family cap.")


class NaturalnessReport(BaseModel):
    """0-100 (100 = reads human), the findings, and the points each tell family actually cost."""

    language: str
    score: int = Field(ge=0, le=100)
    reads_human: bool
    tells: list[FlaggedTell]
    penalties: dict[str, float]


class _Findings:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tells: list[FlaggedTell] = []
        self.penalties: dict[str, float] = {}

    def add(
        self,
        code: str,
        category: Category,
        seg: Segment | tuple[int, int],
        reason: str,
        penalty: float,
        cap: float | None = None,
    ) -> None:
        start, end = (seg.start, seg.end) if isinstance(seg, Segment) else seg
        excerpt = self.text[start:end]
        excerpt = excerpt if len(excerpt) <= 80 else excerpt[:77] + "..."
        self.tells.append(
            FlaggedTell(
                code=code,
                category=category,
                start=start,
                end=end,
                excerpt=excerpt,
                reason=reason,
                penalty=round(penalty, 2),
            )
        )
        total = self.penalties.get(code, 0.0) + penalty
        self.penalties[code] = round(min(total, cap) if cap is not None else total, 2)


def _phrase_family(found: _Findings, tell: PhraseTell, text: str) -> None:
    sents = sentences(text)
    paras = paragraphs(text)
    if not sents:
        return
    window: tuple[int, int] = (0, len(text))
    if tell.where == "opening":
        window = (0, sents[0].end)
    elif tell.where == "closing":
        last_start = min(paras[-1].start, sents[-1].start) if paras else sents[-1].start
        window = (last_start, len(text))
    regexes = [phrase_pattern(p) for p in tell.phrases]
    regexes += [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in tell.patterns]
    seen: set[tuple[int, int]] = set()
    for regex in regexes:
        for m in regex.finditer(text):
            span = (m.start(), m.end())
            overlaps = any(s < span[1] and span[0] < e for s, e in seen)
            if m.end() > m.start() and window[0] <= m.start() < window[1] and not overlaps:
                seen.add(span)
                found.add(tell.code, "phrase", span, tell.reason, tell.weight, tell.cap)


def _uniformity(found: _Findings, code: str, rule: UniformityRule, units: list[Segment]) -> None:
    if len(units) < rule.min_units:
        return
    cv = variation([u.word_count for u in units])
    if cv >= rule.flag_below_cv:
        return
    span = rule.flag_below_cv - rule.full_penalty_cv
    share = 1.0 if span <= 0 else min(1.0, (rule.flag_below_cv - cv) / span)
    found.add(code, "structure", (units[0].start, units[-1].end), rule.reason, rule.weight * share)


def _contractions(found: _Findings, tells: LanguageTells, text: str) -> None:
    rule = tells.contractions
    if rule is None or len(words(text)) < rule.min_words:
        return
    if any(re.search(p, text, re.IGNORECASE) for p in rule.contraction_patterns):
        return
    expanded = [m for p in rule.expanded_patterns for m in re.finditer(p, text, re.IGNORECASE)]
    if len(expanded) < rule.min_expanded:
        return
    expanded.sort(key=lambda m: m.start())
    share = rule.weight / len(expanded)
    for m in expanded:
        found.add("no_contractions", "style", (m.start(), m.end()), rule.reason, share, rule.weight)


def _repeated_starts(found: _Findings, tells: LanguageTells, body: list[Segment]) -> None:
    rule = tells.repeated_starts
    groups: dict[tuple[str, ...], list[Segment]] = {}
    for sent in body:
        start = tuple(words(sent.text)[: rule.start_words])
        if len(start) == rule.start_words:
            groups.setdefault(start, []).append(sent)
    for start, sents in groups.items():
        if len(sents) >= rule.min_repeats:
            reason = f'{rule.reason} ({len(sents)} × "{" ".join(start)}")'
            for sent in sents:
                found.add("repeated_starts", "structure", sent, reason, rule.weight / len(sents), rule.weight)


def _specifics(found: _Findings, tells: LanguageTells, text: str) -> None:
    rule = tells.specifics
    if len(words(text)) < rule.min_words:
        return
    # List numbering ("1.", "2.") is not a concrete detail.
    plain = re.sub(r"^[ \t]*\d{1,2}[.)]", "", text, flags=re.MULTILINE)
    if not any(re.search(p, plain, re.IGNORECASE) for p in rule.marker_patterns):
        found.add("no_specifics", "style", (0, len(text)), rule.reason, rule.weight)


def _lists(found: _Findings, tells: LanguageTells, text: str) -> None:
    rule = tells.lists
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < rule.min_lines:
        return
    items = sum(1 for ln in lines if LIST_ITEM_RE.match(ln))
    blocks = list_blocks(text)
    if len(blocks) > rule.max_list_blocks or (items and items / len(lines) > rule.max_item_share):
        for block in blocks:
            found.add("list_heavy", "structure", block, rule.reason, rule.weight / len(blocks), rule.weight)


def _density(found: _Findings, tells: LanguageTells, text: str) -> None:
    rule = tells.em_dashes
    dashes = [m for m in re.finditer("—", text)]
    per_100 = 100 * len(dashes) / max(1, len(words(text)))
    if len(dashes) >= rule.min_count and per_100 > rule.max_per_100_words:
        for m in dashes:
            found.add(
                "em_dash_overuse",
                "style",
                (m.start(), m.end()),
                rule.reason,
                rule.weight / len(dashes),
                rule.weight,
            )


def _stuffing(found: _Findings, tells: LanguageTells, text: str) -> None:
    rule = tells.stuffing
    for code, regex, limit, reason in (
        ("emoji_stuffing", EMOJI_RE, rule.max_emoji, rule.reason_emoji),
        ("hashtag_stuffing", HASHTAG_RE, rule.max_hashtags, rule.reason_hashtags),
    ):
        hits = list(regex.finditer(text))
        for m in hits[limit:]:
            found.add(code, "style", (m.start(), m.end()), reason, rule.weight_per_extra, rule.cap)


def post_shape(text: str, tells: LanguageTells) -> str:
    """A coarse outline of a post: hook / body / list / cta parts, e.g. "hook-body-list-cta"."""
    rule = tells.repeated_structure
    paras = paragraphs(text)
    parts: list[str] = []
    for i, para in enumerate(paras):
        lines = [ln for ln in para.text.splitlines() if ln.strip()]
        lowered = para.text.lower()
        is_list = sum(1 for ln in lines if LIST_ITEM_RE.match(ln)) >= max(2, len(lines) // 2)
        if i == 0 and len(paras) > 1 and para.word_count <= rule.hook_max_words:
            part = "hook"
        elif is_list:
            part = "list"
        elif i == len(paras) - 1 and (
            any(phrase_pattern(p).search(lowered) for p in rule.cta_phrases)
            or any(re.search(p, para.text) for p in rule.cta_patterns)
        ):
            part = "cta"
        else:
            part = "body"
        if not parts or parts[-1] != part:
            parts.append(part)
    return "-".join(parts)


def _repetition(found: _Findings, tells: LanguageTells, text: str, recent: Sequence[str]) -> None:
    rule = tells.repeated_structure
    window = [p for p in recent[-rule.window :] if p.strip()]
    if not window:
        return
    shape = post_shape(text, tells)
    same = sum(1 for p in window if post_shape(p, tells) == shape)
    if "-" in shape and same >= min(rule.min_matches, len(window)) and len(window) >= rule.min_matches:
        found.add("repeated_structure", "repetition", (0, len(text)), f"{rule.reason} ({shape})", rule.weight)
    opener = words(text)[: rule.opener_words]
    if len(opener) == rule.opener_words and any(words(p)[: rule.opener_words] == opener for p in window):
        first = sentences(text)[0]
        found.add("repeated_opener", "repetition", first, rule.reason_opener, rule.opener_weight)


def _profile(found: _Findings, tells: LanguageTells, text: str, profile: VoiceProfile | None, language: str) -> None:
    if profile is None:
        return
    rule = tells.profile
    for word in profile.never_use(language):
        for m in phrase_pattern(word).finditer(text):
            found.add(
                "never_use",
                "profile",
                (m.start(), m.end()),
                f'{rule.reason_never_use} ("{word}")',
                rule.never_use_weight,
                rule.cap,
            )
    patterns = [*default_anti_patterns()] if profile.use_default_anti_patterns else []
    patterns += profile.anti_patterns
    for hit in find_anti_patterns(text, patterns, language):
        found.add("anti_pattern", "profile", (hit.start, hit.end), hit.reason, rule.anti_pattern_weight, rule.cap)


def _calibrated(found: _Findings, calibration: Calibration | None) -> list[FlaggedTell]:
    """Raw units to points (codes the calibration does not price keep their tells' points)."""
    if calibration is None:
        return found.tells
    prices = calibration.points_per_unit
    kept: list[FlaggedTell] = []
    for tell in found.tells:
        points = round(tell.penalty * prices.get(tell.code, 1.0), 2)
        if points > 0:  # a finding that costs nothing (a price of 0, a trace of a signal) is not shown
            kept.append(tell.model_copy(update={"penalty": points}))
    shown = {tell.code for tell in kept}
    priced = {code: round(raw * prices.get(code, 1.0), 2) for code, raw in found.penalties.items()}
    found.penalties = {code: points for code, points in priced.items() if code in shown and points > 0}
    return kept


def _find_all(
    text: str,
    profile: VoiceProfile | None,
    language: str,
    recent_posts: Sequence[str],
    tells: LanguageTells,
    signals: LanguageSignals | None,
) -> _Findings:
    found = _Findings(text)
    for family in tells.phrase_tells:
        _phrase_family(found, family, text)
    body = [s for s in sentences(text) if not LIST_ITEM_RE.match(s.text)]
    _uniformity(found, "uniform_sentences", tells.sentence_uniformity, body)
    _uniformity(found, "uniform_paragraphs", tells.paragraph_uniformity, paragraphs(text))
    _repeated_starts(found, tells, body)
    _contractions(found, tells, text)
    _specifics(found, tells, text)
    _lists(found, tells, text)
    _density(found, tells, text)
    _stuffing(found, tells, text)
    _repetition(found, tells, text, recent_posts)
    _profile(found, tells, text, profile, language)
    if signals is not None:
        find_generic(found, signals, text)
    return found


def raw_findings(text: str, language: str) -> dict[str, float]:
    """Every finding's raw amount per code, before calibration (no profile, no recent posts): the
    features the calibration is fitted on."""
    tells = load_tells(language)
    return _find_all(text, None, language, (), tells, load_signals(tells.language)).penalties


def check_naturalness(
    text: str,
    profile: VoiceProfile | None,
    language: str,
    recent_posts: Sequence[str] = (),
    *,
    tells: LanguageTells | None = None,
) -> NaturalnessReport:
    """Score how human ``text`` reads (0-100, 100 = human) and list every tell with its span.

    ``recent_posts`` (oldest first) lets psn flag a post that repeats the shape of recent ones.
    ``tells`` replaces the shipped tells for ``language`` (tuning, experiments).

    Raises:
        UnsupportedLanguage: psn ships no tells for ``language``.
    """
    tells = tells if tells is not None else load_tells(language)
    calibration = load_calibration(tells.language)
    found = _find_all(text, profile, language, recent_posts, tells, load_signals(tells.language))
    flagged = _calibrated(found, calibration)
    score = max(0, min(100, round(100 - sum(found.penalties.values()))))
    pass_score = calibration.pass_score if calibration is not None else tells.pass_score
    return NaturalnessReport(
        language=tells.language,
        score=score,
        reads_human=score >= pass_score,
        tells=sorted(flagged, key=lambda t: (t.start, t.end)),
        penalties=found.penalties,
    )

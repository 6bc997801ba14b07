"""Generic versus specific writing: the findings behind subtle model prose, each with its span.

Smooth model prose rarely uses a stock phrase. What gives it away is what is missing (numbers, names,
places, times, things that happened to someone) and what is there instead: abstract and evaluative words,
claims about everyone, hedges, three-part lists, "not X, it's Y" frames, a moral at the end, a question
to the reader, advice to nobody in particular, sentences of one even length. What to look for is data
(data/signals/<lang>.yaml, see :mod:`psn_core.voice.signals`); each finding is recorded in raw units
and :mod:`psn_core.voice.naturalness` turns them into points with the fitted calibration.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from psn_core.voice.signals import ConcreteRule, LanguageSignals, PatternSignal, RhythmRule, compiled
from psn_core.voice.text import LIST_ITEM_RE, Segment, paragraphs, phrase_pattern, sentences, variation, words

if TYPE_CHECKING:
    from psn_core.voice.naturalness import _Findings

_NUMBERING_RE = re.compile(r"^([ \t]*)(\d{1,2}[.)])", re.MULTILINE)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def concrete_details(rule: ConcreteRule, text: str) -> list[tuple[int, int]]:
    """Spans of the concrete details in ``text`` (numbers, names, places, times, first-hand events)."""
    # List numbering ("1.", "2.") is not a detail: blank it out, keeping every offset.
    plain = _NUMBERING_RE.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
    spans = [(m.start(), m.end()) for p in rule.markers for m in compiled(p).finditer(plain) if m.end() > m.start()]
    spans += [(m.start(), m.end()) for m in compiled(rule.name_pattern, 0).finditer(plain)]
    return _merged(spans)


def _concrete(found: _Findings, rule: ConcreteRule, text: str, word_count: int) -> None:
    if word_count < rule.min_words:
        return
    details = concrete_details(rule, text)
    gap = 1.0 - (100 * len(details) / word_count) / rule.target_per_100_words
    if gap > 0:
        stripped = text.strip()
        start = text.index(stripped[:1]) if stripped else 0
        reason = rule.reason.format(found=len(details), words=word_count)
        found.add(rule.code, "style", (start, start + len(stripped)), reason, gap)


def _window(text: str, where: str) -> tuple[int, int]:
    sents = sentences(text)
    if where == "opening":
        return (0, sents[0].end)
    if where == "closing":
        # The last sentence, or the last two when the last is a short tag ("Keep going.").
        last = sents[-1] if len(sents) < 2 or sents[-1].word_count >= 6 else sents[-2]
        return (last.start, len(text))
    return (0, len(text))


def _pattern(found: _Findings, signal: PatternSignal, text: str, word_count: int) -> None:
    window = _window(text, signal.where)
    regexes = [phrase_pattern(p) for p in signal.phrases] + [compiled(p) for p in signal.patterns]
    hits: list[tuple[int, int]] = []
    part = text[window[0] : window[1]]
    for regex in regexes:
        for m in regex.finditer(part):
            span = (window[0] + m.start(), window[0] + m.end())
            overlaps = any(s < span[1] and span[0] < e for s, e in hits)
            concrete = any(compiled(u, 0).search(text, span[0], span[1]) for u in signal.unless)
            if span[1] > span[0] and not overlaps and not concrete:
                hits.append(span)
    if len(hits) <= signal.free_hits:
        return
    unit = 100 / max(word_count, signal.min_words, 1) if signal.per_100_words else 1.0
    # Past the free allowance every hit is shown, the counted amount shared between them.
    unit *= (len(hits) - signal.free_hits) / len(hits)
    for start, end in sorted(hits):
        # Trim the separators a frame's regex starts on (". Start by" -> "Start by").
        lead = len(text[start:end]) - len(text[start:end].lstrip(" \t\n.!?:¡"))
        found.add(signal.code, signal.category, (start + lead, end), signal.reason, unit, signal.cap)


def _rhythm(found: _Findings, rule: RhythmRule, body: list[Segment]) -> None:
    if len(body) < rule.min_sentences:
        return
    lengths = [s.word_count for s in body]
    span = (body[0].start, body[-1].end)
    cv = variation(lengths)
    if cv < rule.flag_below_cv:
        found.add(rule.code, "structure", span, rule.reason, (rule.flag_below_cv - cv) / rule.flag_below_cv)
    if min(lengths) > rule.fragment_max_words:
        found.add(rule.no_fragment_code, "structure", span, rule.no_fragment_reason, 1.0)


def find_generic(found: _Findings, signals: LanguageSignals, text: str) -> None:
    """Record every generic-writing finding in ``text`` (raw units, spans into ``text``)."""
    if not paragraphs(text):
        return
    word_count = len(words(text))
    _concrete(found, signals.concrete, text, word_count)
    for signal in signals.patterns:
        _pattern(found, signal, text, word_count)
    _rhythm(found, signals.rhythm, [s for s in sentences(text) if not LIST_ITEM_RE.match(s.text)])

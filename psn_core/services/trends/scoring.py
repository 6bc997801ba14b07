"""How well a trend fits the user: scored against the strategy's pillars and keywords (0-1).

* relevance: words of a pillar's name and its ``trends.pillar_keywords`` (strong), words of its
  description (weak), and the global keywords (``trends.keywords``, the engagement keywords when the
  strategy has them) found in the title (full weight) or only in the summary (half). Each hit halves
  the distance to 1: one strong hit 0.5, two 0.75, three 0.875. No hit, no score: a trend that fits no
  pillar is never offered. A trend naming one of ``avoid_topics`` scores 0.
* then weighted by popularity (the source's points, upvotes or searches, on a log scale) and freshness
  (1 when just published, 0 after a week): score = relevance x (0.55 + 0.25 popularity + 0.20 freshness).
  A feed has no popularity figure (the user chose it: that is its signal): relevance x (0.8 + 0.2 freshness).
* breaking (one notification) needs more than a good fit: the trend must also be popular where it was seen,
  at least half way to saturation on the log scale (BREAKING_POPULARITY: about 30 Hacker News points, 100
  Reddit upvotes, 1,000 searches). A feed item has no such figure and never counts as breaking on its own
  (most fresh on-topic feed items would); it does when Hacker News or Reddit carries the same story.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from psn_core.services.ideas.tags import fold
from psn_core.strategy.model import Strategy

STOP = frozenset(
    re.findall(
        r"\w+",
        "about after also and are because been but can could does for from has have how into its just more "
        "most not now our out over own than that the their them then there these they this those through "
        "very was were what when where which while who why will with would you your",
    )
)
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# The popularity at which a source's figure counts as fully popular.
SATURATION = {"hacker_news": 1000.0, "reddit": 10000.0, "google_trends": 1_000_000.0}
FRESH_FOR_HOURS = 168.0
BREAKING_POPULARITY = 0.5


def breaking_floors() -> dict[str, float]:
    """Per kind of source, the least signal that makes a trend popular enough to be breaking."""
    return {kind: math.expm1(BREAKING_POPULARITY * math.log1p(top)) for kind, top in SATURATION.items()}


def _norm(word: str) -> str:
    """A word as compared: folded, a plural's s dropped (stories/story stay apart; fine for matching)."""
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def tokens(text: str) -> list[str]:
    return [_norm(w) for w in WORD.findall(fold(text))]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


@dataclass
class Terms:
    """What a strategy looks for, prepared once per intake."""

    strong: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)  # pillar -> phrases
    weak: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    keywords: set[tuple[str, ...]] = field(default_factory=set)
    avoid: set[tuple[str, ...]] = field(default_factory=set)


def _engagement_keywords(strategy: Strategy) -> list[str]:
    """The engagement section's keywords, when the strategy has one (another part of psn defines it)."""
    section = getattr(strategy, "engagement", None)
    found = getattr(section, "keywords", None) if section is not None else None
    return [k for k in found if isinstance(k, str)] if isinstance(found, list) else []


def terms_of(strategy: Strategy) -> Terms:
    config = strategy.trends
    terms = Terms()
    for pillar in strategy.pillars:
        strong: set[tuple[str, ...]] = {
            (w,) for w in tokens(pillar.name.replace("-", " ")) if len(w) > 2 and w not in STOP
        }
        extra = config.pillar_keywords.get(pillar.name, []) if config else []
        strong |= {p for p in map(_phrase, extra) if p}
        terms.strong[pillar.name] = strong
        weak: set[tuple[str, ...]] = {(w,) for w in tokens(pillar.description) if len(w) > 3 and w not in STOP}
        terms.weak[pillar.name] = weak - strong
    keywords = [*(config.keywords if config else []), *_engagement_keywords(strategy)]
    terms.keywords = {p for p in map(_phrase, keywords) if p}
    terms.avoid = {p for p in map(_phrase, strategy.avoid_topics) if p}
    return terms


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class Fit:
    score: float
    pillar: str | None
    matched: list[str]


def _hits(
    title: tuple[str, ...], summary: tuple[str, ...], phrases: Iterable[tuple[str, ...]], weight: float
) -> tuple[float, list[str]]:
    total, matched = 0.0, list[str]()
    for phrase in sorted(phrases):
        if _contains(title, phrase):
            total, matched = total + weight, [*matched, " ".join(phrase)]
        elif _contains(summary, phrase):
            total, matched = total + weight / 2, [*matched, " ".join(phrase)]
    return total, matched


def popularity(kind: str, signal: float) -> float:
    top = SATURATION.get(kind)
    if top is None or signal <= 0:
        return 0.0
    return min(1.0, math.log1p(signal) / math.log1p(top))


def freshness(published_at: datetime | None, now: datetime) -> float:
    if published_at is None:
        return 1.0  # first seen now
    hours = max(0.0, (now - published_at).total_seconds() / 3600)
    return max(0.0, 1.0 - hours / FRESH_FOR_HOURS)


def score(
    terms: Terms, *, title: str, summary: str, kind: str, signal: float, published_at: datetime | None, now: datetime
) -> Fit:
    """How well one item fits (see the module's docstring)."""
    t, s = tuple(tokens(title)), tuple(tokens(summary))
    if any(_contains(t, p) or _contains(s, p) for p in terms.avoid):
        return Fit(0.0, None, [])
    best: str | None = None
    best_hits, matched_all = 0.0, list[str]()
    for pillar in terms.strong:
        strong, m1 = _hits(t, s, terms.strong[pillar], 1.0)
        weak, m2 = _hits(t, s, terms.weak.get(pillar, set()), 0.5)
        if strong + weak > best_hits:
            best, best_hits, matched_all = pillar, strong + weak, m1 + m2
    extra, m3 = _hits(t, s, terms.keywords, 1.0)
    hits = best_hits + extra
    if hits <= 0:
        return Fit(0.0, None, [])
    relevance = 1.0 - 0.5**hits
    fresh = freshness(published_at, now)
    if kind in SATURATION:
        value = relevance * (0.55 + 0.25 * popularity(kind, signal) + 0.20 * fresh)
    else:
        value = relevance * (0.8 + 0.2 * fresh)
    return Fit(round(min(1.0, value), 4), best, sorted(set(matched_all + m3)))

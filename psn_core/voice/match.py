"""Voice match: how close a draft is to the user's own writing, beside naturalness.

Naturalness asks "does this read like a person?"; voice match asks "does it read like *this* person?".
A baseline is built from the user's own texts (imported samples and published posts) in one language:
the distribution of sentence lengths, the frequencies of function words (topic-free, the classic
stylometric fingerprint), punctuation and casing habits, emoji, hashtags and contractions. A draft is
measured the same way and each feature is scored 0-1 by how far it falls from the user's usual range
(the spread across their own texts, so a habit they vary a lot costs little). The score is the weighted
mean, 0-100, and every feature that is off comes with a sentence saying how (yours vs this draft).

Which function words count and how contractions look per language is data: data/voice_match.yaml.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from pydantic import BaseModel, Field

from psn_core.voice.shipped import Strict, load_shipped
from psn_core.voice.text import EMOJI_RE, HASHTAG_RE, WORD_RE, sentences, words

MIN_TEXTS = 3  # fewer of the user's own texts than this, and there is no baseline to compare with
MIN_WORDS = 60
SOUNDS_LIKE_YOU = 70  # a score at or above this: the draft sounds like the user
OFF_BELOW = 0.6  # a feature scoring below this is explained to the user
BUCKETS = (5, 10, 15, 20, 30)  # sentence-length bins: <=5, 6-10, 11-15, 16-20, 21-30, >30 words


class LanguageMatchData(Strict):
    contractions: str
    function_words: list[str] = Field(min_length=10)


class MatchData(Strict):
    languages: dict[str, LanguageMatchData]


@lru_cache(maxsize=1)
def match_data() -> MatchData:
    """The shipped data/voice_match.yaml.

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    return load_shipped(MatchData, "voice_match.yaml")


def match_languages() -> list[str]:
    """Languages voice match knows (their base codes: en, es)."""
    return sorted(match_data().languages)


def _language_data(language: str) -> LanguageMatchData | None:
    return match_data().languages.get(language.split("-")[0].lower())


# Rate features: (name, what it counts, per) -- per 100 words unless "per text".
RATES: dict[str, str] = {
    "commas": "commas per 100 words",
    "exclamations": "exclamation marks per 100 words",
    "questions": "question marks per 100 words",
    "ellipses": "ellipses (...) per 100 words",
    "dashes": "dashes (— – or a spaced -) per 100 words",
    "colons": "colons and semicolons per 100 words",
    "parentheses": "parentheses per 100 words",
    "lowercase_starts": "% of sentences starting lower-case",
    "all_caps": "ALL-CAPS words per 100 words",
    "emoji": "emoji per 100 words",
    "hashtags": "hashtags per post",
    "contractions": "contractions per 100 words",
}
# How much each feature weighs in the score, and the least spread assumed for a rate (so a habit the
# user never varies still tolerates a little).
WEIGHTS: dict[str, float] = {
    "sentence_length": 0.18,
    "function_words": 0.2,
    "commas": 0.05,
    "exclamations": 0.06,
    "questions": 0.04,
    "ellipses": 0.04,
    "dashes": 0.04,
    "colons": 0.03,
    "parentheses": 0.03,
    "lowercase_starts": 0.07,
    "all_caps": 0.04,
    "emoji": 0.08,
    "hashtags": 0.06,
    "contractions": 0.08,
}
FLOORS: dict[str, float] = {
    "commas": 1.5,
    "exclamations": 1.0,
    "questions": 1.0,
    "ellipses": 0.8,
    "dashes": 0.8,
    "colons": 0.8,
    "parentheses": 0.8,
    "lowercase_starts": 15.0,
    "all_caps": 0.8,
    "emoji": 0.8,
    "hashtags": 0.5,
    "contractions": 1.2,
}
_DASH_RE = re.compile(r"[—–]|\s-\s")
_ELLIPSIS_RE = re.compile(r"\.\.\.|…")


class TextFeatures(BaseModel):
    """One text measured: its sentence lengths, function-word counts and rates."""

    words: int
    sentence_lengths: list[int]
    function_words: dict[str, int]
    rates: dict[str, float]


def measure(text: str, language: str) -> TextFeatures | None:
    """The features of ``text``; None when voice match has no data for ``language``.

    Raises:
        VoiceDataInvalid: the shipped data file is broken.
    """
    data = _language_data(language)
    if data is None:
        return None
    toks = words(text)
    n = len(toks)
    per100 = 100.0 / n if n else 0.0
    sents = sentences(text)
    starts = [s.text.lstrip("\"'“‘(¿¡")[:1] for s in sents]
    lettered = [c for c in starts if c.isalpha()]
    known = set(data.function_words)
    rates = {
        "commas": text.count(",") * per100,
        "exclamations": text.count("!") * per100,
        "questions": text.count("?") * per100,
        "ellipses": len(_ELLIPSIS_RE.findall(text)) * per100,
        "dashes": len(_DASH_RE.findall(text)) * per100,
        "colons": (text.count(":") + text.count(";")) * per100,
        "parentheses": text.count("(") * per100,
        "lowercase_starts": 100.0 * sum(c.islower() for c in lettered) / len(lettered) if lettered else 0.0,
        "all_caps": sum(1 for w in WORD_RE.findall(text) if len(w) >= 2 and w.isupper()) * per100,
        "emoji": len(EMOJI_RE.findall(text)) * per100,
        "hashtags": float(len(HASHTAG_RE.findall(text))),
        "contractions": len(re.findall(data.contractions, text, re.IGNORECASE)) * per100,
    }
    return TextFeatures(
        words=n,
        sentence_lengths=[s.word_count for s in sents],
        function_words=dict(Counter(t for t in toks if t in known)),
        rates={k: round(v, 3) for k, v in rates.items()},
    )


class Spread(BaseModel):
    mean: float
    sd: float


class VoiceBaseline(BaseModel):
    """The user's writing habits in one language, from their own texts (stored as JSON in the hub)."""

    language: str
    texts: int
    words: int
    sentence: Spread = Field(description="Words per sentence over all sentences.")
    sentence_buckets: list[float] = Field(description="Share of sentences per length bin (see BUCKETS).")
    function_words: dict[str, float] = Field(description="Frequency of each function word per word.")
    function_fit: Spread = Field(description="How close each own text's function words are to the whole (cosine).")
    rates: dict[str, Spread]

    @property
    def enough(self) -> bool:
        return self.texts >= MIN_TEXTS and self.words >= MIN_WORDS


def _buckets(lengths: Sequence[int]) -> list[float]:
    counts = [0] * (len(BUCKETS) + 1)
    for n in lengths:
        counts[next((i for i, top in enumerate(BUCKETS) if n <= top), len(BUCKETS))] += 1
    total = sum(counts)
    return [round(c / total, 4) if total else 0.0 for c in counts]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _freqs(counts: dict[str, int], total: int) -> dict[str, float]:
    return {k: v / total for k, v in counts.items()} if total else {}


def _spread(values: Sequence[float]) -> Spread:
    if not values:
        return Spread(mean=0.0, sd=0.0)
    return Spread(mean=round(statistics.fmean(values), 3), sd=round(statistics.pstdev(values), 3))


def build_baseline(texts: Sequence[str], language: str) -> VoiceBaseline | None:
    """The baseline of ``texts`` (the user's own writing in ``language``); None without data for it.

    Texts with fewer than 3 words are skipped (a reaction, a link alone says nothing about style).

    Raises:
        VoiceDataInvalid: the shipped data file is broken.
    """
    measured = [m for m in (measure(t, language) for t in texts) if m is not None and m.words >= 3]
    if _language_data(language) is None:
        return None
    total_words = sum(m.words for m in measured)
    lengths = [n for m in measured for n in m.sentence_lengths]
    pooled: Counter[str] = Counter()
    for m in measured:
        pooled.update(m.function_words)
    whole = _freqs(dict(pooled), total_words)
    # Leave-one-out: each text is compared with the pool of the others, as a new draft will be; with
    # itself in the pool, the usual fit is too high and the user's own posts read as "off".
    fits = []
    for m in measured:
        rest = pooled - Counter(m.function_words)
        fits.append(_cosine(_freqs(m.function_words, m.words), _freqs(dict(rest), total_words - m.words)))
    return VoiceBaseline(
        language=language,
        texts=len(measured),
        words=total_words,
        sentence=_spread([float(n) for n in lengths]),
        sentence_buckets=_buckets(lengths),
        function_words={k: round(v, 5) for k, v in sorted(whole.items())},
        function_fit=_spread(fits),
        rates={name: _spread([m.rates[name] for m in measured]) for name in RATES},
    )


class FeatureMatch(BaseModel):
    """One habit compared: 1 = as the user writes, 0 = far from it."""

    feature: str
    score: float = Field(ge=0, le=1)
    yours: float = Field(description="The user's usual value (mean over their texts).")
    draft: float
    off: bool = Field(description="True when this feature pulls the draft away from the user's voice.")
    explanation: str


class VoiceMatchReport(BaseModel):
    """0-100 (100 = reads like the user's own texts), with each feature's comparison."""

    language: str
    score: int = Field(ge=0, le=100)
    sounds_like_you: bool
    based_on_texts: int
    based_on_words: int
    features: list[FeatureMatch]
    off: list[str] = Field(description="The explanations of the features that are off, worst first.")


def _closeness(value: float, spread: Spread, floor: float) -> float:
    z = abs(value - spread.mean) / max(spread.sd, floor)
    return math.exp(-0.5 * z * z)


def _fmt(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 10 or x == int(x) else f"{x:.1f}"


def _rate_feature(name: str, draft: float, spread: Spread) -> FeatureMatch:
    score = _closeness(draft, spread, FLOORS[name])
    label = RATES[name]
    more = "higher" if draft > spread.mean else "lower"
    text = f"{label}: you {_fmt(spread.mean)}, this draft {_fmt(draft)} ({more} than yours)."
    return FeatureMatch(
        feature=name,
        score=round(score, 3),
        yours=spread.mean,
        draft=round(draft, 3),
        off=score < OFF_BELOW,
        explanation=text,
    )


def _sentence_feature(found: TextFeatures, baseline: VoiceBaseline) -> FeatureMatch:
    lengths = found.sentence_lengths
    mean = statistics.fmean(lengths) if lengths else 0.0
    tvd = 0.5 * sum(abs(a - b) for a, b in zip(_buckets(lengths), baseline.sentence_buckets, strict=True))
    z = abs(mean - baseline.sentence.mean) / max(baseline.sentence.sd, 2.0)
    score = 0.5 * (1 - tvd) + 0.5 * math.exp(-0.5 * z * z)
    longer = "longer" if mean > baseline.sentence.mean else "shorter"
    return FeatureMatch(
        feature="sentence_length",
        score=round(score, 3),
        yours=baseline.sentence.mean,
        draft=round(mean, 2),
        off=score < OFF_BELOW,
        explanation=f"words per sentence: you {_fmt(baseline.sentence.mean)} (usually {_fmt(baseline.sentence.sd)} "
        f"either way), this draft {_fmt(mean)}: {longer} sentences than yours.",
    )


def _function_feature(found: TextFeatures, baseline: VoiceBaseline) -> FeatureMatch:
    fit = _cosine(_freqs(found.function_words, found.words), baseline.function_words)
    usual = baseline.function_fit
    gap = max(0.0, usual.mean - fit)
    score = math.exp(-0.5 * (gap / max(usual.sd, 0.08)) ** 2)
    mine = _freqs(found.function_words, found.words)
    missing = sorted(baseline.function_words, key=lambda w: -(baseline.function_words[w] - mine.get(w, 0.0)))[:3]
    extra = sorted(mine, key=lambda w: -(mine[w] - baseline.function_words.get(w, 0.0)))[:3]
    return FeatureMatch(
        feature="function_words",
        score=round(score, 3),
        yours=round(usual.mean, 3),
        draft=round(fit, 3),
        off=score < OFF_BELOW,
        explanation=f"small words (function-word profile): fit {fit:.2f} against your usual {usual.mean:.2f}; "
        f"you use more of {', '.join(missing) or '-'}, this draft leans on {', '.join(extra) or '-'}.",
    )


def match_voice(draft: str, baseline: VoiceBaseline) -> VoiceMatchReport | None:
    """Compare ``draft`` with the user's baseline; None when the draft has no words to compare.

    Raises:
        VoiceDataInvalid: the shipped data file is broken.
    """
    found = measure(draft, baseline.language)
    if found is None or found.words == 0:
        return None
    features = [_sentence_feature(found, baseline), _function_feature(found, baseline)]
    features += [_rate_feature(name, found.rates[name], baseline.rates[name]) for name in RATES]
    total = sum(WEIGHTS[f.feature] for f in features)
    score = round(100 * sum(WEIGHTS[f.feature] * f.score for f in features) / total)
    off = sorted((f for f in features if f.off), key=lambda f: (f.score, f.feature))
    return VoiceMatchReport(
        language=baseline.language,
        score=score,
        sounds_like_you=score >= SOUNDS_LIKE_YOU,
        based_on_texts=baseline.texts,
        based_on_words=baseline.words,
        features=features,
        off=[f.explanation for f in off],
    )

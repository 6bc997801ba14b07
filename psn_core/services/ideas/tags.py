"""Reading a captured idea: ``#key:value`` tags out of the text, the urgency inferred when not tagged,
the language guessed when not tagged. Pure functions over the text and the keyword data in urgency.toml.

    "Launch recap #pillar:product #platform:linkedin #urgency:timely"
    -> text "Launch recap", pillar "product", platform "linkedin", urgency "timely" (tagged)

Plain hashtags (``#buildinpublic``) are content and stay in the text. An unknown key (``#piller:ai``) or a
bad value is refused, saying what is accepted: nothing is stored.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel

from psn_core.services.ideas.errors import IdeaInputInvalid

Urgency = Literal["timely", "seasonal", "evergreen"]
URGENCIES: tuple[Urgency, ...] = ("timely", "seasonal", "evergreen")
PLATFORMS = ("x", "linkedin", "instagram", "tiktok")
TAG_KEYS = ("pillar", "platform", "urgency", "lang")
_TAG = re.compile(r"(?<!\S)#([A-Za-z]+):(\S*)")
_PILLAR = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_TEXT = 2000


class ParsedIdea(BaseModel):
    """What a capture line says, tags taken out."""

    text: str
    pillar: str | None = None
    platform: str | None = None
    urgency: Urgency
    urgency_inferred: bool
    language: str
    language_guessed: bool


class _Words(BaseModel):
    timely: list[str] = []
    seasonal: list[str] = []
    patterns: list[str] = []
    common: list[str] = []


def fold(text: str) -> str:
    """Lower case without accents: what keyword matching compares."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def keyword_data() -> dict[str, _Words]:
    """The per-language keyword data shipped in urgency.toml, by language code."""
    raw = tomllib.loads(files(__package__ or "psn_core.services.ideas").joinpath("urgency.toml").read_text("utf-8"))
    return {language: _Words.model_validate(words) for language, words in raw.items()}


def _phrase(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = sorted({re.escape(fold(w)) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


@cache
def _matchers() -> dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None, list[re.Pattern[str]]]]:
    return {
        language: (_phrase(w.timely), _phrase(w.seasonal), [re.compile(p) for p in w.patterns])
        for language, w in keyword_data().items()
    }


def infer_urgency(text: str) -> Urgency:
    """timely when the text says it is news (breaking, today, just announced, hoy, última hora...),
    seasonal when it names a holiday, season or quarter (Christmas, Q4, verano, trimestre...), else
    evergreen. Every language's words count, whatever the idea's language: a Spanish idea may say "Q4"."""
    folded = fold(text)
    matchers = _matchers().values()
    if any(timely is not None and timely.search(folded) for timely, _, _ in matchers):
        return "timely"
    for _, seasonal, patterns in matchers:
        if (seasonal is not None and seasonal.search(folded)) or any(p.search(folded) for p in patterns):
            return "seasonal"
    return "evergreen"


def guess_language(text: str, default: str) -> str:
    """The language whose common words the text uses most (at least two of them), else ``default``."""
    words = re.findall(r"\w+", fold(text))
    best, best_hits = default, 1
    for language, data in keyword_data().items():
        common = {fold(w) for w in data.common}
        hits = sum(1 for w in words if w in common)
        if hits > best_hits:
            best, best_hits = language, hits
    return best


def _set(found: dict[str, str], key: str, value: str) -> None:
    if key in found and found[key] != value:
        raise IdeaInputInvalid(
            f"The idea has two #{key} tags ({found[key]!r} and {value!r}); nothing was captured.",
            f"Keep one #{key}:VALUE tag.",
        )
    found[key] = value


def parse_idea(
    line: str,
    *,
    pillar: str | None = None,
    platform: str | None = None,
    urgency: str | None = None,
    language: str | None = None,
    default_language: str = "en",
) -> ParsedIdea:
    """Read a capture line: tags out of the text (options given here win over none, and must agree with
    tags), urgency inferred when neither says it, language guessed when neither says it.

    Raises:
        IdeaInputInvalid: an unknown tag, a bad value, two different values for one key, or no text left.
    """
    found: dict[str, str] = {}
    for key, value in (("pillar", pillar), ("platform", platform), ("urgency", urgency), ("lang", language)):
        if value:
            found[key] = value.strip().lower() if key != "lang" else value.strip()
    for match in _TAG.finditer(line):
        key = match.group(1).lower()
        key = "lang" if key == "language" else key
        if key not in TAG_KEYS:
            raise IdeaInputInvalid(
                f"#{match.group(1)} is not a tag psn knows; nothing was captured.",
                "Use #pillar:NAME, #platform:x|linkedin|instagram|tiktok, #urgency:timely|seasonal|evergreen or "
                "#lang:CODE (write it without the colon if it is a plain hashtag).",
            )
        _set(found, key, match.group(2).lower() if key != "lang" else match.group(2))
    text = " ".join(_TAG.sub(" ", line).split())
    if not text:
        raise IdeaInputInvalid("The idea has no text besides its tags; nothing was captured.", "Say the idea itself.")
    if len(text) > MAX_TEXT:
        raise IdeaInputInvalid(
            f"The idea is {len(text)} characters long; psn keeps ideas up to {MAX_TEXT}.", "Capture the gist of it."
        )
    _check(found)
    chosen = found.get("urgency")
    lang = found.get("lang")
    return ParsedIdea(
        text=text,
        pillar=found.get("pillar"),
        platform=found.get("platform"),
        urgency=chosen if chosen in URGENCIES else infer_urgency(text),
        urgency_inferred=chosen is None,
        language=lang or guess_language(text, default_language),
        language_guessed=lang is None,
    )


def _check(found: dict[str, str]) -> None:
    if "pillar" in found and not _PILLAR.match(found["pillar"]):
        raise IdeaInputInvalid(
            f"{found['pillar']!r} is not a pillar name; nothing was captured.",
            "A pillar name is lower case letters, digits, - and _ (e.g. #pillar:ai-tools).",
        )
    if "platform" in found and found["platform"] not in PLATFORMS:
        raise IdeaInputInvalid(
            f"{found['platform']!r} is not a platform psn posts to; nothing was captured.",
            "Use #platform:x, #platform:linkedin, #platform:instagram or #platform:tiktok.",
        )
    if "urgency" in found and found["urgency"] not in URGENCIES:
        raise IdeaInputInvalid(
            f"{found['urgency']!r} is not an urgency; nothing was captured.",
            "Use #urgency:timely (news, 48 hours), #urgency:seasonal (30 days) or #urgency:evergreen.",
        )
    if "lang" in found and not _LANGUAGE.match(found["lang"]):
        raise IdeaInputInvalid(
            f"{found['lang']!r} is not a language code; nothing was captured.", "Use a code such as en, es, pt-BR."
        )

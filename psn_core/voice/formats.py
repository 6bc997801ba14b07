"""Format variety: pick the next post's format so a feed does not look machine-made.

Not every LinkedIn post a carousel, not every X post a hook-value-CTA thread. Candidates come
from the platform's declared capabilities (never its name); recently used formats are pushed down.
The choice is deterministic: same inputs, same answer.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Collection, Sequence
from functools import lru_cache

from pydantic import Field

from psn_core.voice.errors import NoFormatAvailable, VoiceInputInvalid
from psn_core.voice.shipped import Strict, load_shipped


class FormatSpec(Strict):
    name: str
    requires: list[str] = Field(min_length=1)
    weight: float = Field(gt=0)


class RecencyRule(Strict):
    window: int = Field(ge=1)
    decay: float = Field(gt=0, le=1)
    max_share: float = Field(gt=0, le=1)


class FormatCatalog(Strict):
    formats: list[FormatSpec] = Field(min_length=1)
    recency: RecencyRule


@lru_cache(maxsize=1)
def format_catalog() -> FormatCatalog:
    """The formats shipped in data/formats.yaml.

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    return load_shipped(FormatCatalog, "formats.yaml")


def format_names() -> list[str]:
    """The names of the catalog's formats (short_take, story, question, thread, image, ...)."""
    return [f.name for f in format_catalog().formats]


def check_format(name: str) -> str:
    """``name`` when it is a format of the catalog.

    Raises:
        VoiceInputInvalid: not a catalog format name.
    """
    names = format_names()
    if name not in names:
        raise VoiceInputInvalid(f"{name!r} is not a post format psn knows; the formats are: {', '.join(names)}.")
    return name


STORY_WORDS = 60  # a text-only post this long (or in paragraphs) is a story, not a short take


def infer_format(parts: Sequence[str], media_kinds: Sequence[str]) -> str:
    """The catalog format a post has, from its shape, when the writer did not say which one they used.

    Several parts: thread. Media: video, document (PDF), carousel (several images) or image. Text
    alone: a question when it ends on one, a story when long or in paragraphs, else a short take.
    """
    kinds = [k.lower() for k in media_kinds]
    if len(parts) > 1:
        return "thread"
    if "video" in kinds:
        return "video"
    if "document" in kinds or "pdf" in kinds:
        return "document"
    if len(kinds) > 1:
        return "carousel"
    if kinds:
        return "image"
    text = parts[0].strip() if parts else ""
    if text.endswith("?"):
        return "question"
    if len(text.split()) >= STORY_WORDS or "\n\n" in text:
        return "story"
    return "short_take"


def media_kinds_of(names: Sequence[str]) -> list[str]:
    """image, video or document for each media file name, by its type (unknown types are left out)."""
    kinds = []
    for name in names:
        guessed = mimetypes.guess_type(str(name))[0] or ""
        if guessed == "application/pdf":
            kinds.append("document")
        elif guessed.split("/")[0] in ("image", "video"):
            kinds.append(guessed.split("/")[0])
    return kinds


def _tiebreak(platform: str, name: str, recent: Sequence[str]) -> str:
    # A stable hash (not Python's salted hash) so the rotation is the same on every run.
    seed = f"{platform}|{len(recent)}|{'/'.join(recent[-3:])}|{name}"
    return hashlib.sha256(seed.encode()).hexdigest()


def rank_formats(platform: str, capabilities: Collection[str], recent_formats: Sequence[str]) -> list[str]:
    """Formats the platform supports, best next choice first.

    ``capabilities`` are the platform's declared capability names ("text", "threads", "images",
    "carousels", "documents", "video", "polls"); ``recent_formats`` is oldest first.

    Raises:
        NoFormatAvailable: no known format fits the capabilities.
    """
    catalog = format_catalog()
    caps = {c.lower() for c in capabilities}
    candidates = [f for f in catalog.formats if set(f.requires) <= caps]
    if not candidates:
        raise NoFormatAvailable(f"No post format fits {platform} with capabilities {sorted(caps) or 'none'}.")
    rule = catalog.recency
    recent = [r.lower() for r in recent_formats][-rule.window :]
    use: dict[str, float] = {}
    for age, name in enumerate(reversed(recent)):
        use[name] = use.get(name, 0.0) + rule.decay**age
    last = recent[-1] if recent else None

    def blocked(name: str) -> bool:
        overused = bool(recent) and recent.count(name) / len(recent) > rule.max_share
        return name == last or overused

    def key(spec: FormatSpec) -> tuple[bool, float, str]:
        score = spec.weight - use.get(spec.name, 0.0)
        return (blocked(spec.name), -score, _tiebreak(platform, spec.name, recent))

    return [spec.name for spec in sorted(candidates, key=key)]


def recommend_format(platform: str, capabilities: Collection[str], recent_formats: Sequence[str]) -> str:
    """The format for the next post: supported, and unlike what was posted lately.

    Never the same as the last post when anything else is possible, and never a format that
    already fills more than ``max_share`` of the recent window while others exist.

    Raises:
        NoFormatAvailable: no known format fits the capabilities.
    """
    return rank_formats(platform, capabilities, recent_formats)[0]

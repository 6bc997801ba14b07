"""Format variety: pick the next post's format so a feed does not look machine-made.

Not every LinkedIn post a carousel, not every X post a hook-value-CTA thread. Candidates come
from the platform's declared capabilities (never its name); recently used formats are pushed down.
The choice is deterministic: same inputs, same answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from psn_core.voice.errors import NoFormatAvailable, VoiceDataInvalid
from psn_core.voice.yamlio import validate_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormatSpec(_Strict):
    name: str
    requires: list[str] = Field(min_length=1)
    weight: float = Field(gt=0)


class RecencyRule(_Strict):
    window: int = Field(ge=1)
    decay: float = Field(gt=0, le=1)
    max_share: float = Field(gt=0, le=1)


class FormatCatalog(_Strict):
    formats: list[FormatSpec] = Field(min_length=1)
    recency: RecencyRule


@lru_cache(maxsize=1)
def format_catalog() -> FormatCatalog:
    """The formats shipped in data/formats.yaml.

    Raises:
        VoiceDataInvalid: the shipped file is broken.
    """
    ref = resources.files("psn_core.voice").joinpath("data").joinpath("formats.yaml")
    catalog, _ = validate_yaml(FormatCatalog, ref.read_text("utf-8"), "formats.yaml", VoiceDataInvalid)
    return catalog


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

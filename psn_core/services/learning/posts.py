"""The measured posts the learning loop reads, and the lift of a group of them.

A post's **expected** weighted engagements are its exposure times its platform's rate over the same
posts (the platform baseline); a group's lift is what it earned over what it was expected to earn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.voice.formats import infer_format

Q = Queries.load(__package__)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PostCell:
    """One measured post (one target) with what the model groups it by."""

    post_id: UUID
    target_id: UUID
    platform: str
    format: str
    language: str
    published_at: datetime
    hour: int
    weekday: int
    week: date
    exposure: int
    weighted: int
    topic: str | None
    pillar: str | None
    text: str


def window_posts(conn: Conn, member_id: UUID, zone: ZoneInfo, since: datetime, until: datetime) -> list[PostCell]:
    """The member's measured posts published in [since, until), oldest first, each with the voice format
    catalog's name of its format (what drafting recommends and a dropped format removes)."""
    params = {"member": member_id, "zone": zone.key, "since": since, "until": until}
    return [catalog_cell(p) for p in sql.many(conn, Q.window_posts, params, PostCell)]


def catalog_cell(cell: PostCell) -> PostCell:
    """``cell`` with an analytics format name turned into the catalog's: analytics says "text" for any
    text-only post (the catalog: short_take, story or question, by its shape) and "article" for a link to
    a long piece (the catalog's story); the other names are the same in both."""
    if cell.format == "text":
        return replace(cell, format=infer_format([cell.text], []))
    if cell.format == "article":
        return replace(cell, format="story")
    return cell


def platform_rates(posts: Iterable[PostCell]) -> dict[str, float]:
    """Weighted engagements per exposure on each platform (platforms with no exposure are left out)."""
    weighted: dict[str, int] = {}
    exposure: dict[str, int] = {}
    for p in posts:
        weighted[p.platform] = weighted.get(p.platform, 0) + p.weighted
        exposure[p.platform] = exposure.get(p.platform, 0) + p.exposure
    return {k: weighted[k] / exposure[k] for k in weighted if exposure[k] > 0}


def lift(posts: Iterable[PostCell], rates: dict[str, float]) -> float | None:
    """Earned over expected weighted engagements; None when nothing was expected (no exposure, no rate)."""
    earned = expected = 0.0
    for p in posts:
        rate = rates.get(p.platform)
        if rate is None:
            continue
        earned += p.weighted
        expected += p.exposure * rate
    return earned / expected if expected > 0 else None


def score(posts: Iterable[PostCell]) -> float | None:
    """Weighted engagements per 1,000 exposures (one platform's posts only)."""
    items = list(posts)
    exposure = sum(p.exposure for p in items)
    return sum(p.weighted for p in items) / exposure * 1000 if exposure else None


_HOOKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("how-to", re.compile(r"^(how to|here'?s how|c[oó]mo)\b", re.I)),
    ("contrarian", re.compile(r"^(unpopular opinion|hot take|stop\b|nobody|most people|don'?t|never\b)", re.I)),
    ("number", re.compile(r"^\W*\d")),
    ("story", re.compile(r"^(i\b|i'm|i've|my\b|yesterday|last (week|year|month)|when i|ayer|cuando)", re.I)),
)


def hook_pattern(text: str) -> str:
    """The pattern of a post's opening line: question, how-to, contrarian, number, story or statement."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        return "none"
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    if sentence.endswith("?") or sentence.startswith("¿"):
        return "question"
    for name, pattern in _HOOKS:
        if pattern.search(sentence):
            return name
    return "statement"

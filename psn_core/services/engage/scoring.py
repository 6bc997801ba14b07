"""How much an opportunity deserves the user's time, from 0 to 1.

Four signals, each 0..1, weighted: relevance to the user's pillars and keywords (0.35), whether the user was
addressed directly (0.30: a mention, a reply to them, a comment on their post), recency over the 48 hours
an opportunity lives (0.20), and the author's reach (0.15: log10 of followers, a million is 1; unknown 0.3).
A term counts as a whole word (or its plural): "dev" is found in "devs", not in "device".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

WEIGHTS = {"relevance": 0.35, "addressed": 0.30, "recency": 0.20, "reach": 0.15}
LIFETIME = timedelta(hours=48)
UNKNOWN_REACH = 0.3


def terms_of(keywords: Sequence[str], pillars: Sequence[str]) -> list[str]:
    """The words that make something relevant: the keywords, and each pillar's name as words."""
    words = [k.lower() for k in keywords]
    for name in pillars:
        words += [w for w in re.split(r"[-_]", name.lower()) if len(w) > 2]
    return sorted(set(words))


def score(
    text: str, *, terms: Sequence[str], addressed: bool, said_at: datetime, followers: int | None, now: datetime
) -> tuple[float, dict[str, float]]:
    """The score and its parts."""
    lowered = text.lower()
    hits = sum(1 for t in terms if re.search(rf"(?<!\w){re.escape(t)}(?:e?s)?(?!\w)", lowered))  # words, plurals
    parts = {
        "relevance": min(1.0, hits / 2),
        "addressed": 1.0 if addressed else 0.0,
        "recency": max(0.0, 1 - max(0.0, (now - said_at).total_seconds()) / LIFETIME.total_seconds()),
        "reach": UNKNOWN_REACH if followers is None else min(1.0, math.log10(max(followers, 0) + 1) / 6),
    }
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return round(min(1.0, total), 4), {k: round(v, 3) for k, v in parts.items()}
